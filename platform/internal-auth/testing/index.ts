import type { Interceptor } from "@connectrpc/connect";
import { internalCallerKey, type InternalCaller } from "../context-values.js";

/**
 * For tests over an in-memory router transport: a server-side interceptor
 * putting into the context the caller that internal auth would have
 * verified (a caller id, or the whole caller), or none for `undefined`.
 */
export function asVerifiedCaller(caller: string | InternalCaller | undefined): Interceptor {
  const verified: InternalCaller | undefined = typeof caller === "string" ? { callerId: caller, mode: "hmac" } : caller;
  return (next) => (req) => {
    if (verified) req.contextValues.set(internalCallerKey, verified);
    return next(req);
  };
}
