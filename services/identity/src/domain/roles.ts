/** Staff roles and who may carry them in a token. */
import type { StaffRole } from "#platform/access-tokens/claims.js";

/** Every staff role, in the proto's order. */
export const STAFF_ROLES: readonly StaffRole[] = ["admin", "support", "risk_analyst", "finance"];

/** Customer or staff. */
export type UserKind = "CUSTOMER" | "STAFF";

/**
 * The roles an access token carries: a staff user's roles only once TOTP is
 * enrolled and the session proved it ("otp" in amr). A staff user without a
 * second factor gets a token with no roles (it can enrol TOTP and nothing a
 * role guards): MFA is mandatory for staff.
 */
export function tokenRoles(user: { kind: UserKind; roles: readonly StaffRole[] }, totpEnrolled: boolean, amr: readonly string[]): StaffRole[] {
  if (user.kind !== "STAFF" || !totpEnrolled || !amr.includes("otp")) return [];
  return [...user.roles];
}
