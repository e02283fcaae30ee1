import type { Interceptor } from "@connectrpc/connect";
import { internalCallerKey } from "./context-values.js";
import { InternalAuthHeader } from "./headers.js";

/** `hmac`: signed requests; `mesh`: Istio mTLS identity; `off`: development only. */
export type InternalAuthMode = "hmac" | "mesh" | "off";

/**
 * Throws when internal auth is off in production (`NODE_ENV=production`):
 * the brief allows `off` only outside production.
 */
export function assertInternalAuthModeAllowed(mode: InternalAuthMode, env: NodeJS.ProcessEnv = process.env): void {
  if (mode === "off" && env.NODE_ENV === "production") {
    throw new Error("INTERNAL_AUTH_MODE=off is not allowed when NODE_ENV=production (use hmac or mesh)");
  }
}

/**
 * Server interceptor for INTERNAL_AUTH_MODE=off: verifies nothing, but still
 * exposes the caller and subject the request claims (mode `off`), so
 * handlers behave the same in development.
 */
export function createUnverifiedCallerInterceptor(): Interceptor {
  return (next) => async (req) => {
    const callerId = req.header.get(InternalAuthHeader.caller) ?? "unknown";
    const subject = req.header.get(InternalAuthHeader.subject) || undefined;
    req.contextValues.set(internalCallerKey, { callerId, subject, mode: "off" });
    return next(req);
  };
}

/** Client interceptor for mesh and off modes: names the caller, signs nothing. */
export function createCallerHeaderInterceptor(callerId: string): Interceptor {
  return (next) => async (req) => {
    req.header.set(InternalAuthHeader.caller, callerId);
    return next(req);
  };
}
