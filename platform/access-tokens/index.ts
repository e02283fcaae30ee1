export {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_TYPE,
  MFA_CHALLENGE_TOKEN_TYPE,
  STAFF_ROLES,
  type AccessTokenClaims,
  type AuthenticationMethod,
  type StaffRole,
} from "./claims.js";
export { AccessTokenError, ACCESS_TOKEN_ERROR_REASONS, type AccessTokenErrorReason } from "./access-token-error.js";
export { createAccessTokenVerifier, DEFAULT_CLOCK_TOLERANCE_SEC, type AccessTokenVerifier, type AccessTokenVerifierOptions } from "./create-access-token-verifier.js";
export { parseAccessTokenClaims } from "./parse-access-token-claims.js";
export { hasRecentSecondFactor } from "./step-up.js";
export {
  createRevokedSessionRecorder,
  revokedSessionKey,
  RevocationUnavailableError,
  type RevokedSessionRecorder,
  type RevokedSessionRecorderOptions,
} from "./revoked-sessions.js";
export {
  createRevokedSessionChecker,
  type RevokedSessionChecker,
  type RevokedSessionCheckerOptions,
  type SessionRevocationStatus,
} from "./revoked-session-checker.js";
export { changesState, isStateChangingHttpMethod } from "./state-changing.js";
export { sessionRevocationConfigShape } from "./revocation-config.js";
export { createForwardedTokenChecks, type ForwardedTokenChecksOptions } from "./forwarded-token-checks.js";
