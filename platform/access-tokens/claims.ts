/**
 * The shape of the access tokens identity issues and every other process
 * verifies: a JWT (RFC 9068 profile) signed with ES256, header
 * `{ alg: "ES256", kid, typ: "at+jwt" }`. Identity signs with these names;
 * the verifier in this module checks them. Other token kinds identity hands
 * out carry a different `typ` and are refused as access tokens.
 */

/** JOSE header `typ` of an access token. */
export const ACCESS_TOKEN_TYPE = "at+jwt";

/** JOSE header `typ` of the short-lived token binding a password step to its MFA step. */
export const MFA_CHALLENGE_TOKEN_TYPE = "mfa-challenge+jwt";

/** The only signature algorithm accepted. */
export const ACCESS_TOKEN_ALGORITHM = "ES256";

/** Authentication methods (RFC 8176 values) that can appear in `amr`. */
export type AuthenticationMethod = "pwd" | "otp" | "mfa";

/** Every staff role, in the order of wallet.identity.v1.Role. */
export const STAFF_ROLES = ["admin", "support", "risk_analyst", "finance", "approver"] as const;

/** Staff roles carried in the `roles` claim; customers have none. */
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Claims of a verified access token. */
export interface AccessTokenClaims {
  /** Issuer: identity's configured issuer URL. */
  readonly iss: string;
  /** Audience: the API the token is for. */
  readonly aud: string | string[];
  /** Subject: the user id. */
  readonly sub: string;
  /** Session id; revoking the session stops its refresh token. */
  readonly sid: string;
  /** Device id the session was opened on; empty when unknown. */
  readonly device_id?: string;
  /** How the user authenticated, e.g. ["pwd"] or ["pwd", "otp", "mfa"]. */
  readonly amr: AuthenticationMethod[];
  /**
   * When the user last authenticated (seconds since the epoch). A step-up
   * refreshes it and adds "otp" to `amr`: "a recent second factor" means
   * `amr` includes "otp" and `auth_time` is within the caller's window.
   */
  readonly auth_time: number;
  /** Staff roles; absent or empty for customers. */
  readonly roles?: StaffRole[];
  /** Unique token id. */
  readonly jti: string;
  readonly iat: number;
  readonly nbf?: number;
  readonly exp: number;
}
