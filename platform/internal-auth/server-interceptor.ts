import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { CallerKeys } from "./config.js";
import type { InternalCaller } from "./context-values.js";
import { internalCallerKey } from "./context-values.js";
import { defaultExemptPrefixes, InternalAuthHeader as H, isExempt } from "./headers.js";
import type { NonceStore } from "./nonce-store.js";
import { rejection, type RejectionListener } from "./reject.js";
import { digestRequest } from "./request-body.js";
import { procedureOf, safeEqualHex, sign } from "./signature.js";

/** Options for {@link createInternalAuthServerInterceptor}. */
export interface InternalAuthServerOptions {
  /**
   * Accepted keys by caller id, then key id; several per caller during a
   * rotation. A signature counts only with a key of the caller it claims.
   */
  readonly callerKeys: CallerKeys;
  /** Caller ids allowed to call this server; any caller when absent. */
  readonly allowedCallers?: readonly string[];
  /** Where seen nonces are remembered (Redis, shared by all replicas). */
  readonly nonceStore: NonceStore;
  /** Largest accepted clock difference either way; default 30 000 ms. */
  readonly maxSkewMs?: number;
  /** Service type-name prefixes served without auth; default health and reflection. */
  readonly exempt?: readonly string[];
  /** Called with the precise reason of each rejection. */
  readonly onReject?: RejectionListener;
  /** Clock in milliseconds; tests move it. */
  readonly now?: () => number;
}

const NONCE = /^[0-9a-f]{32}$/;
const DIGEST = /^[0-9a-f]{64}$/;
const TIMESTAMP = /^\d{1,16}$/;

/**
 * Server interceptor verifying HMAC-signed internal calls
 * (INTERNAL_AUTH_MODE=hmac). It refuses with `Unauthenticated` a missing
 * header, a caller without keys here, a key id that is not one of the
 * claimed caller's keys (a key never vouches for another caller), a caller
 * outside `allowedCallers`, a timestamp outside the skew, a body
 * that does not match its digest, a bad signature and a nonce seen before;
 * the caller sees a generic message, `onReject` and the error's `cause` get
 * the reason. An unreachable nonce store fails closed with `Unavailable`.
 * On success the caller (and forwarded subject) is put in
 * `internalCallerKey`.
 */
export function createInternalAuthServerInterceptor(options: InternalAuthServerOptions): Interceptor {
  const maxSkewMs = options.maxSkewMs ?? 30_000;
  const exempt = options.exempt ?? defaultExemptPrefixes;
  const now = options.now ?? Date.now;
  const keys = new Map(Object.entries(options.callerKeys).map(([caller, byId]) => [caller, new Map(Object.entries(byId))]));
  const allowed = options.allowedCallers ? new Set(options.allowedCallers) : undefined;

  return (next) => async (incoming) => {
    if (isExempt(incoming.service.typeName, exempt)) return next(incoming);
    const procedure = procedureOf(incoming.service, incoming.method);
    const header = (name: string) => incoming.header.get(name) ?? undefined;
    const claimedCaller = header(H.caller);
    const reject = (reason: string) => rejection({ procedure, reason, claimedCaller }, options.onReject);

    const missing = [H.caller, H.keyId, H.timestamp, H.nonce, H.bodyDigest, H.signature].filter((name) => !header(name));
    if (missing.length > 0) throw reject(`missing ${missing.join(", ")}`);
    const caller = claimedCaller!;
    const keyId = header(H.keyId)!;
    const timestamp = header(H.timestamp)!;
    const nonce = header(H.nonce)!;
    const claimedDigest = header(H.bodyDigest)!;
    const signature = header(H.signature)!;
    const subject = header(H.subject);

    const ofCaller = keys.get(caller);
    if (ofCaller === undefined) throw reject(`caller "${caller}" has no keys here`);
    const secret = ofCaller.get(keyId);
    if (secret === undefined) throw reject(`key id "${keyId}" is not a key of caller "${caller}"`);
    if (!TIMESTAMP.test(timestamp)) throw reject("malformed timestamp");
    const skew = now() - Number(timestamp);
    if (Math.abs(skew) > maxSkewMs) throw reject(`timestamp outside the allowed skew (${skew} ms, max ${maxSkewMs} ms)`);
    if (!NONCE.test(nonce)) throw reject("malformed nonce");
    if (!DIGEST.test(claimedDigest)) throw reject("malformed body digest");

    const { digest, req } = await digestRequest(incoming);
    if (!safeEqualHex(digest, claimedDigest)) throw reject("body does not match its digest");
    const expected = sign({ procedure, caller, keyId, timestamp, nonce, bodyDigest: digest, subject: subject ?? "" }, secret);
    if (!safeEqualHex(expected, signature)) throw reject("bad signature");
    if (allowed && !allowed.has(caller)) throw reject(`caller "${caller}" is not allowed`);

    // Last, so requests failing the checks above cannot burn nonces.
    let fresh: boolean;
    try {
      fresh = await options.nonceStore.claim(nonce, 2 * maxSkewMs);
    } catch (err) {
      throw new ConnectError("internal authentication unavailable", Code.Unavailable, undefined, undefined, err);
    }
    if (!fresh) throw reject("nonce already used (replay)");

    const verified: InternalCaller = { callerId: caller, subject: subject || undefined, mode: "hmac", keyId };
    req.contextValues.set(internalCallerKey, verified);
    return next(req);
  };
}
