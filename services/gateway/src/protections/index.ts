export { protectionsConfigShape, protectionsSettings, type ProtectionsConfig, type ProtectionsSettings, type RateLimitSettings } from "./config.js";
export { EdgeProblem, sendProblem, problemReasonOf, type ProblemBody } from "./problem.js";
export {
  PUBLIC_RPCS,
  PUBLIC_PATHS,
  SENSITIVE_RPCS,
  BACKOFFICE_PACKAGE_PREFIX,
  rpcFullName,
  isPublicRpc,
  isPublicMethod,
  isSensitiveMethod,
  isBackofficeMethod,
} from "./public-routes.js";
export { rpcMethodOf, routeTemplateOf } from "./route-rpc.js";
export {
  registerAuthentication,
  isPublicRequest,
  bearerToken,
  authenticationProblem,
  sessionRevokedProblem,
  revocationUnavailableProblem,
  type AuthenticationOptions,
} from "./authentication.js";
export { createEdgeRateLimits, rateLimitHeader, rateLimitPolicyHeader, type EdgeRateLimits, type EdgeRateLimitsOptions, type RateLimitPolicyName } from "./rate-limits.js";
export {
  registerRequestHygiene,
  edgeServerOptions,
  fastifyErrorProblem,
  isJsonContentType,
  SECURITY_HEADERS,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_MAX_HEADER_BYTES,
  type HygieneSettings,
} from "./request-hygiene.js";
export { MONEY_MOVING_RPCS, IDEMPOTENCY_KEY_HEADER, requiresIdempotencyKey, readIdempotencyKey, applyIdempotencyKey, idempotencyKeyHook } from "./idempotency.js";
export {
  STEP_UP_RPCS,
  STEP_UP_IF_ENROLLED_RPCS,
  STEP_UP_AMOUNT_RPCS,
  stepUpChallenge,
  stepUpProblem,
  stepUpProblemFromError,
  upstreamErrorReason,
  type StepUpSettings,
} from "./step-up.js";
export { upstreamHeadersFor } from "./upstream-headers.js";
export {
  createResilientUpstream,
  circuitOpenProblem,
  UpstreamCircuitOpenError,
  DEFAULT_UPSTREAM_POLICY,
  isGetMapped,
  isRetrySafe,
  isRetryableFailure,
  isUpstreamFailure,
  type UpstreamPolicy,
  type ResilientUpstreamOptions,
  type UpstreamCallerLike,
  type UpstreamCallOptionsLike,
} from "./resilient-upstream.js";
export { createAuditLogHook, auditRecordOf, type AuditRecord } from "./audit-log.js";
export {
  registerEdgeProtections,
  createEdgeTokenVerifier,
  prepareUpstreamCall,
  edgeProblemFromError,
  type EdgeProtectionsDeps,
} from "./register-protections.js";
