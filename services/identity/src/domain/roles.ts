/** Staff roles and who may carry them in a token. */
import type { StaffRole } from "#platform/access-tokens/claims.js";

/** Every staff role, in the proto's order (the claims' list, which the edge checks tokens against). */
export { STAFF_ROLES } from "#platform/access-tokens/claims.js";

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
