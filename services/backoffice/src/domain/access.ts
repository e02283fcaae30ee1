/**
 * Whether a staff member may make a call, as a pure decision over the RPC's
 * access policy (read from the contract's `wallet.authz.v1.access` option)
 * and the facts of their verified token. Deny by default: no policy, or a
 * policy naming no role, refuses everyone.
 */

/** An RPC's access policy, as the contract declares it. */
export interface AccessPolicy {
  readonly allowedRoles: readonly string[];
  readonly recentSecondFactor: boolean;
  readonly approval: "none" | "always" | "above-threshold";
}

/** What the decision needs of the caller's token. */
export interface StaffFacts {
  readonly roles: readonly string[];
  /** RFC 8176 methods of the token (`amr`). */
  readonly amr: readonly string[];
  /** When they last authenticated (`auth_time`). */
  readonly authTime: Date;
}

/** `amr` values that count as a second factor. */
const SECOND_FACTORS = new Set(["otp", "hwk", "swk", "mfa"]);

/** A refusal: its gRPC code name, the backoffice's reason and ErrorInfo metadata. */
export type AccessDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      readonly code: "PermissionDenied";
      readonly reason: "MISSING_ROLE" | "MFA_REQUIRED" | "STEP_UP_REQUIRED";
      readonly message: string;
      readonly metadata: Readonly<Record<string, string>>;
    };

/**
 * The decision for `staff` calling an RPC with `policy`. Roles are checked
 * first (a caller without the role learns nothing about step-up), then the
 * second factor every staff call needs, then its freshness where the policy
 * asks for it (`stepUpMaxAgeSec`, RFC 9470).
 */
export function decideAccess(policy: AccessPolicy | undefined, staff: StaffFacts, now: Date, stepUpMaxAgeSec: number): AccessDecision {
  const allowed = policy?.allowedRoles ?? [];
  if (!staff.roles.some((role) => allowed.includes(role))) {
    return {
      allowed: false,
      code: "PermissionDenied",
      reason: "MISSING_ROLE",
      message: allowed.length === 0 ? "this operation is not open to any role" : `this operation needs one of the roles: ${allowed.join(", ")}`,
      metadata: { required_roles: allowed.join(",") },
    };
  }
  if (!staff.amr.some((method) => SECOND_FACTORS.has(method))) {
    return { allowed: false, code: "PermissionDenied", reason: "MFA_REQUIRED", message: "staff calls need a sign-in with a second factor (TOTP)", metadata: {} };
  }
  if (policy!.recentSecondFactor && now.getTime() - staff.authTime.getTime() > stepUpMaxAgeSec * 1000) {
    return {
      allowed: false,
      code: "PermissionDenied",
      reason: "STEP_UP_REQUIRED",
      message: "this operation needs a recent second factor: step up and retry",
      metadata: { max_age_seconds: String(stepUpMaxAgeSec) },
    };
  }
  return { allowed: true };
}
