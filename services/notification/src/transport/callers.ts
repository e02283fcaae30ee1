/**
 * Which services may call which RPCs. Requests carry the user id they act
 * for, so the service trusts its caller to have authenticated that user (or
 * staff member): only the services that do are let in.
 */

/** Act for a customer: the BFF for the app's own user, backoffice for staff handling a customer. */
export const USER_CALLERS = ["mobile-bff", "backoffice"] as const;

/** Act for staff: backoffice, which checks the staff member's role. */
export const STAFF_CALLERS = ["backoffice"] as const;
