import { randomBytes } from "node:crypto";
import type { Interceptor } from "@connectrpc/connect";
import { audienceKey, audienceOf as defaultAudienceOf } from "./audience.js";
import { InternalAuthHeader as H } from "./headers.js";
import { digestRequest } from "./request-body.js";
import { procedureOf, sign } from "./signature.js";

/** Options for {@link createInternalAuthClientInterceptor}. */
export interface InternalAuthClientOptions {
  /** This service's name, e.g. `gateway`. */
  readonly callerId: string;
  /** Id of the signing key (`INTERNAL_AUTH_KEY_ID`), so receivers can rotate keys. */
  readonly keyId: string;
  /** This process's own secret (`INTERNAL_AUTH_SECRET`), at least 32 characters; never sent, never given to a receiver. */
  readonly secret: string;
  /** The receiving service of a proto service type name; default the catalogue's (see `audience.ts`). */
  readonly audienceOf?: (typeName: string) => string;
  /** Clock in milliseconds; tests move it. */
  readonly now?: () => number;
}

/**
 * Client interceptor signing every outgoing call (INTERNAL_AUTH_MODE=hmac).
 * It adds the caller, key id, timestamp (ms since epoch), a 128-bit random
 * nonce, the body digest and an HMAC-SHA256 signature, with the key derived
 * from the secret for the receiving service (`audienceKey`), over all of them, the
 * procedure and any `x-internal-subject` header already set on the call
 * (by call options or an outer interceptor), so a forwarded end-user subject
 * cannot be added or changed in transit.
 *
 * Put it last in the client's `interceptors` array so it runs innermost and
 * signs the request exactly as it is sent.
 */
export function createInternalAuthClientInterceptor(options: InternalAuthClientOptions): Interceptor {
  const now = options.now ?? Date.now;
  const audienceOf = options.audienceOf ?? defaultAudienceOf;
  const keys = new Map<string, string>();
  const keyFor = (typeName: string) => {
    const audience = audienceOf(typeName);
    let key = keys.get(audience);
    if (key === undefined) keys.set(audience, (key = audienceKey(options.secret, audience)));
    return key;
  };
  return (next) => async (incoming) => {
    const { digest, req } = await digestRequest(incoming);
    const timestamp = String(now());
    const nonce = randomBytes(16).toString("hex");
    const subject = req.header.get(H.subject) ?? "";
    const signature = sign(
      {
        procedure: procedureOf(req.service, req.method),
        caller: options.callerId,
        keyId: options.keyId,
        timestamp,
        nonce,
        bodyDigest: digest,
        subject,
      },
      keyFor(req.service.typeName),
    );
    req.header.set(H.caller, options.callerId);
    req.header.set(H.keyId, options.keyId);
    req.header.set(H.timestamp, timestamp);
    req.header.set(H.nonce, nonce);
    req.header.set(H.bodyDigest, digest);
    req.header.set(H.signature, signature);
    return next(req);
  };
}
