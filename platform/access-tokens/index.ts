export {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_TYPE,
  MFA_CHALLENGE_TOKEN_TYPE,
  type AccessTokenClaims,
  type AuthenticationMethod,
  type StaffRole,
} from "./claims.js";
export { AccessTokenError, ACCESS_TOKEN_ERROR_REASONS, type AccessTokenErrorReason } from "./access-token-error.js";
export { createAccessTokenVerifier, type AccessTokenVerifier, type AccessTokenVerifierOptions } from "./create-access-token-verifier.js";
export { parseAccessTokenClaims } from "./parse-access-token-claims.js";
export { hasRecentSecondFactor } from "./step-up.js";
