import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { RetryInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { RevocationUnavailableError } from "#platform/access-tokens/index.js";
import { errorInfoDetail } from "#platform/errors/index.js";
import { IdentityError, type IdentityErrorReasonName } from "../domain/identity-error.js";

/** google.rpc.ErrorInfo domain of every identity refusal (errors.proto). */
export const IDENTITY_ERROR_DOMAIN = "identity.wallet";

/** The gRPC code of each reason, as errors.proto specifies. */
const codeOf: Record<IdentityErrorReasonName, Code> = {
  INVALID_ARGUMENT: Code.InvalidArgument,
  INVALID_CREDENTIALS: Code.Unauthenticated,
  ACCOUNT_LOCKED: Code.ResourceExhausted,
  ACCOUNT_SUSPENDED: Code.PermissionDenied,
  MFA_REQUIRED: Code.FailedPrecondition,
  MFA_CHALLENGE_INVALID: Code.Unauthenticated,
  TOTP_CODE_INVALID: Code.Unauthenticated,
  TOTP_CODE_REUSED: Code.Unauthenticated,
  RECOVERY_CODE_INVALID: Code.Unauthenticated,
  STEP_UP_REQUIRED: Code.Unauthenticated,
  TOTP_ALREADY_ENROLLED: Code.FailedPrecondition,
  TOTP_NOT_ENROLLED: Code.FailedPrecondition,
  MFA_MANDATORY: Code.FailedPrecondition,
  PASSWORD_TOO_SHORT: Code.InvalidArgument,
  PASSWORD_TOO_LONG: Code.InvalidArgument,
  PASSWORD_COMMON: Code.InvalidArgument,
  PASSWORD_TOO_WEAK: Code.InvalidArgument,
  CURRENT_PASSWORD_INVALID: Code.Unauthenticated,
  REFRESH_TOKEN_INVALID: Code.Unauthenticated,
  REFRESH_TOKEN_REUSED: Code.Unauthenticated,
  SESSION_EXPIRED: Code.Unauthenticated,
  SESSION_REVOKED: Code.Unauthenticated,
  VERIFICATION_TOKEN_INVALID: Code.InvalidArgument,
  RECOVERY_TOKEN_INVALID: Code.InvalidArgument,
  EMAIL_ALREADY_REGISTERED: Code.AlreadyExists,
  EMAIL_INVALID: Code.InvalidArgument,
  PHONE_INVALID: Code.InvalidArgument,
  DEVICE_NOT_FOUND: Code.NotFound,
  SESSION_NOT_FOUND: Code.NotFound,
  USER_NOT_FOUND: Code.NotFound,
  TOKEN_INVALID: Code.Unauthenticated,
  LAST_ADMIN: Code.FailedPrecondition,
  ADMIN_EXISTS: Code.FailedPrecondition,
};

/** A ConnectError with the reason's code, an ErrorInfo, and a RetryInfo when a delay is known. */
export function identityConnectError(error: IdentityError): ConnectError {
  const details: ConstructorParameters<typeof ConnectError>[3] = [];
  // A malformed field has no IdentityErrorReason: it is a bare InvalidArgument naming the field.
  if (error.reason !== "INVALID_ARGUMENT") {
    details.push(errorInfoDetail(error.reason, IDENTITY_ERROR_DOMAIN, error.metadata));
  }
  if (error.retryAfterMs !== undefined) {
    const ms = Math.max(0, Math.ceil(error.retryAfterMs));
    details.push({ desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 } }) });
  }
  return new ConnectError(error.message, codeOf[error.reason], undefined, details);
}

/** Seconds to wait before retrying a call whose sessions could not be listed as revoked. */
const REVOCATION_RETRY_AFTER_SEC = 1;

/**
 * THE place where identity's refusals become gRPC errors; ConnectErrors
 * pass; a revoked-session list Redis could not write is Unavailable with a
 * RetryInfo (nothing was revoked: retry); anything else is rethrown for the
 * platform's sanitizer (a bare `Internal`, cause logged, never sent).
 */
export function toConnectError(error: unknown): unknown {
  if (error instanceof RevocationUnavailableError) {
    const retry = create(RetryInfoSchema, { retryDelay: { seconds: BigInt(REVOCATION_RETRY_AFTER_SEC), nanos: 0 } });
    return new ConnectError("sessions cannot be ended right now; retry shortly", Code.Unavailable, undefined, [{ desc: RetryInfoSchema, value: retry }], error);
  }
  return error instanceof IdentityError ? identityConnectError(error) : error;
}
