/**
 * Refusals of identity's rules. `reason` is the IdentityErrorReason name
 * (errors.proto) without its prefix; the transport maps each reason to its
 * gRPC code and a google.rpc.ErrorInfo in one place (`connect-errors.ts`).
 */
export type IdentityErrorReasonName =
  | "INVALID_ARGUMENT"
  | "INVALID_CREDENTIALS"
  | "ACCOUNT_LOCKED"
  | "ACCOUNT_SUSPENDED"
  | "MFA_REQUIRED"
  | "MFA_CHALLENGE_INVALID"
  | "TOTP_CODE_INVALID"
  | "TOTP_CODE_REUSED"
  | "RECOVERY_CODE_INVALID"
  | "STEP_UP_REQUIRED"
  | "TOTP_ALREADY_ENROLLED"
  | "TOTP_NOT_ENROLLED"
  | "MFA_MANDATORY"
  | "PASSWORD_TOO_SHORT"
  | "PASSWORD_TOO_LONG"
  | "PASSWORD_COMMON"
  | "PASSWORD_TOO_WEAK"
  | "CURRENT_PASSWORD_INVALID"
  | "REFRESH_TOKEN_INVALID"
  | "REFRESH_TOKEN_REUSED"
  | "SESSION_EXPIRED"
  | "SESSION_REVOKED"
  | "VERIFICATION_TOKEN_INVALID"
  | "RECOVERY_TOKEN_INVALID"
  | "EMAIL_ALREADY_REGISTERED"
  | "EMAIL_INVALID"
  | "PHONE_INVALID"
  | "DEVICE_NOT_FOUND"
  | "SESSION_NOT_FOUND"
  | "USER_NOT_FOUND"
  | "TOKEN_INVALID"
  | "LAST_ADMIN"
  | "ADMIN_EXISTS";

/** A refusal: a reason, a message for humans, metadata, and for throttling a retry delay. */
export class IdentityError extends Error {
  override readonly name = "IdentityError";
  constructor(
    readonly reason: IdentityErrorReasonName,
    message: string,
    readonly metadata: Readonly<Record<string, string>> = {},
    /** ACCOUNT_LOCKED: when the client may try again (google.rpc.RetryInfo). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A malformed request field (InvalidArgument without an identity reason of its own). */
export function invalidField(field: string, problem: string): IdentityError {
  return new IdentityError("INVALID_ARGUMENT", `${field}: ${problem}`, { field });
}

/** The one answer for a wrong email or password, whichever it was. */
export function invalidCredentials(): IdentityError {
  return new IdentityError("INVALID_CREDENTIALS", "email or password is wrong");
}
