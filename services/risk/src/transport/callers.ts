/**
 * Which services may call which RPCs. Scoring counts a movement toward its
 * user's velocity, so only the service that posts movements may ask for it;
 * alerts, rules, the blocklist and the dead letters are staff operations.
 */

/** Score movements before posting them: the ledger. */
export const SCORING_CALLERS = ["ledger"] as const;

/** Act for staff: backoffice, which checks the staff member's role. */
export const STAFF_CALLERS = ["backoffice"] as const;
