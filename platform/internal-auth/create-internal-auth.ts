import type { Interceptor } from "@connectrpc/connect";
import type { Redis } from "ioredis";
import { createApiKeyVerifier } from "./api-key.js";
import { createApiKeyClientInterceptor, createApiKeyServerInterceptor } from "./api-key-interceptor.js";
import { createInternalAuthClientInterceptor } from "./client-interceptor.js";
import { internalAuthSettings, type InternalAuthConfig, type InternalAuthSettings } from "./config.js";
import { createMeshAuthServerInterceptor } from "./mesh-interceptor.js";
import { assertInternalAuthModeAllowed, createCallerHeaderInterceptor, createUnverifiedCallerInterceptor, type InternalAuthMode } from "./mode.js";
import { createRedisNonceStore } from "./nonce-store.js";
import type { RejectionListener } from "./reject.js";
import { createInternalAuthServerInterceptor } from "./server-interceptor.js";

/** Dependencies of {@link createInternalAuth}. */
export interface CreateInternalAuthOptions {
  /** The parsed `internalAuthConfigSchema` fragment. */
  readonly config: InternalAuthConfig;
  /** This process's service name, sent as the caller id. */
  readonly callerId: string;
  /** Nonce store connection; required for a server in hmac mode. */
  readonly redis?: Redis;
  /** Nonce key prefix; default `internal-auth:nonce:<callerId>:`. */
  readonly noncePrefix?: string;
  readonly onReject?: RejectionListener;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Callers accepted when INTERNAL_AUTH_ALLOWED_CALLERS is unset: the mesh
   * passes those its call graph lets call this process. Without either,
   * any caller with a key is accepted.
   */
  readonly defaultAllowedCallers?: readonly string[];
}

/** Interceptors for the configured mode. */
export interface InternalAuth {
  readonly mode: InternalAuthMode;
  /** Put last in each client's interceptors. */
  readonly clientInterceptor: Interceptor;
  /** Put first in the server's interceptors. Built on first use (needs `redis` in hmac mode). */
  serverInterceptor(): Interceptor;
}

/**
 * Builds the client and server interceptors for INTERNAL_AUTH_MODE, after
 * refusing `off` in production and checking the cross-variable rules.
 * With INTERNAL_API_KEYS the server also accepts those keys in `x-api-key`
 * (requests without one still go through the mode's checks); with
 * INTERNAL_API_KEY the client sends that key instead of signing.
 */
export function createInternalAuth(options: CreateInternalAuthOptions): InternalAuth {
  const settings = withDefaultCallers(internalAuthSettings(options.config, options.callerId), options.defaultAllowedCallers);
  assertInternalAuthModeAllowed(settings.mode, options.env);
  return withApiKeys(forMode(settings, options), settings, options);
}

/** INTERNAL_AUTH_ALLOWED_CALLERS, or the default when it is unset. */
function withDefaultCallers(settings: InternalAuthSettings, defaults: readonly string[] | undefined): InternalAuthSettings {
  return settings.allowedCallers === undefined && defaults !== undefined ? { ...settings, allowedCallers: defaults } : settings;
}

/** Adds the per-service API key, when configured, around the mode's interceptors. */
function withApiKeys(auth: InternalAuth, settings: InternalAuthSettings, options: CreateInternalAuthOptions): InternalAuth {
  const verifier = createApiKeyVerifier(settings.apiKeys);
  const clientInterceptor = settings.clientApiKey
    ? createApiKeyClientInterceptor({ apiKey: settings.clientApiKey, callerId: options.callerId })
    : auth.clientInterceptor;
  if (verifier.size === 0) return { ...auth, clientInterceptor };
  return {
    mode: auth.mode,
    clientInterceptor,
    serverInterceptor: () =>
      createApiKeyServerInterceptor({
        verifier,
        allowedCallers: settings.allowedCallers,
        fallback: auth.serverInterceptor(),
        onReject: options.onReject,
      }),
  };
}

/** The interceptors of INTERNAL_AUTH_MODE alone. */
function forMode(settings: InternalAuthSettings, options: CreateInternalAuthOptions): InternalAuth {
  switch (settings.mode) {
    case "hmac": {
      const signingKey = settings.signingKey!;
      return {
        mode: "hmac",
        clientInterceptor: createInternalAuthClientInterceptor({ callerId: options.callerId, ...signingKey }),
        serverInterceptor: () => {
          if (!options.redis) throw new Error("INTERNAL_AUTH_MODE=hmac needs Redis for replay protection (REDIS_URL)");
          return createInternalAuthServerInterceptor({
            callerKeys: settings.callerKeys,
            allowedCallers: settings.allowedCallers,
            maxSkewMs: settings.maxSkewMs,
            nonceStore: createRedisNonceStore(options.redis, { prefix: options.noncePrefix ?? `internal-auth:nonce:${options.callerId}:` }),
            onReject: options.onReject,
          });
        },
      };
    }
    case "mesh":
      return {
        mode: "mesh",
        clientInterceptor: createCallerHeaderInterceptor(options.callerId),
        serverInterceptor: () => createMeshAuthServerInterceptor({ allowedCallers: settings.allowedCallers, onReject: options.onReject }),
      };
    case "off":
      return {
        mode: "off",
        clientInterceptor: createCallerHeaderInterceptor(options.callerId),
        serverInterceptor: () => createUnverifiedCallerInterceptor(),
      };
  }
}
