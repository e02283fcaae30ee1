export { internalCallerKey, type InternalCaller } from "./context-values.js";
export { createCallGraphInterceptor, callersOf, type CallGraph, type CallGraphInterceptorOptions } from "./call-graph-interceptor.js";
export { InternalAuthHeader, FORWARDED_CLIENT_CERT_HEADER, defaultExemptPrefixes } from "./headers.js";
export { createInternalAuthClientInterceptor, type InternalAuthClientOptions } from "./client-interceptor.js";
export { createInternalAuthServerInterceptor, type InternalAuthServerOptions } from "./server-interceptor.js";
export { createMeshAuthServerInterceptor, type MeshAuthServerOptions } from "./mesh-interceptor.js";
export { createRedisNonceStore, type NonceStore, type RedisNonceStoreOptions } from "./nonce-store.js";
export { REJECTION_MESSAGE, type RejectionInfo, type RejectionListener } from "./reject.js";
export { audienceKey, audienceOf, receiverKeys } from "./audience.js";
export { canonicalString, messageDigest, EMPTY_BODY_DIGEST, type SignedFields } from "./signature.js";
export { parseXfcc, parseSpiffeId, peerSpiffeId, type SpiffeId } from "./xfcc.js";
export {
  assertInternalAuthModeAllowed,
  createUnverifiedCallerInterceptor,
  createCallerHeaderInterceptor,
  type InternalAuthMode,
} from "./mode.js";
export {
  internalAuthConfigSchema,
  internalAuthSettings,
  parseKeyList,
  parseCallerKeys,
  type CallerKeys,
  MIN_SECRET_LENGTH,
  type InternalAuthConfig,
  type InternalAuthSettings,
} from "./config.js";
export { createInternalAuth, type CreateInternalAuthOptions, type InternalAuth } from "./create-internal-auth.js";
export {
  API_KEY_HEADER,
  MIN_API_KEY_LENGTH,
  parseApiKeyList,
  createApiKeyVerifier,
  type ApiKeyMatch,
  type ApiKeyVerifier,
} from "./api-key.js";
export {
  createApiKeyClientInterceptor,
  createApiKeyServerInterceptor,
  type ApiKeyClientOptions,
  type ApiKeyServerOptions,
} from "./api-key-interceptor.js";
