import type { Interceptor } from "@connectrpc/connect";
import { API_KEY_HEADER, type ApiKeyVerifier } from "./api-key.js";
import { internalCallerKey, type InternalCaller } from "./context-values.js";
import { defaultExemptPrefixes, InternalAuthHeader as H, isExempt } from "./headers.js";
import { rejection, type RejectionListener } from "./reject.js";
import { procedureOf } from "./signature.js";

/** Options for {@link createApiKeyClientInterceptor}. */
export interface ApiKeyClientOptions {
  /** The key to send (`INTERNAL_API_KEY`), at least 32 characters. */
  readonly apiKey: string;
  /** This service's name, sent in `x-internal-caller` for the receiver's logs; must match the key's caller. */
  readonly callerId?: string;
}

/**
 * Client interceptor sending a per-service API key in `x-api-key`, for
 * callers that cannot sign requests (the brief's legacy callers). Prefer the
 * HMAC signer: a key is a bearer credential, so whoever sees one request can
 * replay it or change its body, and only TLS or the mesh keeps it from being
 * seen.
 */
export function createApiKeyClientInterceptor(options: ApiKeyClientOptions): Interceptor {
  return (next) => async (req) => {
    req.header.set(API_KEY_HEADER, options.apiKey);
    if (options.callerId) req.header.set(H.caller, options.callerId);
    return next(req);
  };
}

/** Options for {@link createApiKeyServerInterceptor}. */
export interface ApiKeyServerOptions {
  /** The accepted keys (INTERNAL_API_KEYS). */
  readonly verifier: ApiKeyVerifier;
  /** Caller ids allowed to call this server; any caller when absent. */
  readonly allowedCallers?: readonly string[];
  /**
   * Handles requests without `x-api-key`: the configured mode's interceptor
   * (hmac or mesh). Without one, such requests are refused.
   */
  readonly fallback?: Interceptor;
  /** Service type-name prefixes served without auth; default health and reflection. */
  readonly exempt?: readonly string[];
  readonly onReject?: RejectionListener;
}

/**
 * Server interceptor accepting a per-service API key beside the configured
 * mode. A request with `x-api-key` is decided here: a key listed in
 * INTERNAL_API_KEYS for an allowed caller authenticates that caller (mode
 * `api-key` in `internalCallerKey`, with the forwarded subject as sent); an
 * unknown key, an empty one, a caller outside the allowed list, or an
 * `x-internal-caller` naming someone else is refused with `Unauthenticated`
 * and the generic message. A request without the header goes to `fallback`,
 * so signed callers are unaffected. Exempt procedures (health, reflection)
 * go to `fallback` (or straight through) whatever they carry.
 */
export function createApiKeyServerInterceptor(options: ApiKeyServerOptions): Interceptor {
  const exempt = options.exempt ?? defaultExemptPrefixes;
  const allowed = options.allowedCallers ? new Set(options.allowedCallers) : undefined;
  return (next) => {
    const viaFallback = options.fallback ? options.fallback(next) : undefined;
    return async (req) => {
      const presented = req.header.get(API_KEY_HEADER);
      if (isExempt(req.service.typeName, exempt)) return viaFallback ? viaFallback(req) : next(req);
      const procedure = procedureOf(req.service, req.method);
      const claimedCaller = req.header.get(H.caller) ?? undefined;
      const reject = (reason: string) => rejection({ procedure, reason, claimedCaller }, options.onReject);
      if (presented === null) {
        if (viaFallback) return viaFallback(req);
        throw reject(`missing ${API_KEY_HEADER}`);
      }
      const match = options.verifier.match(presented);
      if (!match) throw reject("unknown API key");
      if (claimedCaller !== undefined && claimedCaller !== match.callerId) {
        throw reject(`${H.caller} "${claimedCaller}" does not match the API key's caller "${match.callerId}"`);
      }
      if (allowed && !allowed.has(match.callerId)) throw reject(`caller "${match.callerId}" is not allowed`);
      const caller: InternalCaller = {
        callerId: match.callerId,
        subject: req.header.get(H.subject) || undefined,
        mode: "api-key",
        keyId: match.fingerprint,
      };
      req.contextValues.set(internalCallerKey, caller);
      return next(req);
    };
  };
}
