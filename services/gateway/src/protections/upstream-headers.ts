import type { FastifyRequest } from "fastify";
import { InternalAuthHeader } from "#platform/internal-auth/index.js";
import { IDEMPOTENCY_KEY_HEADER, readIdempotencyKey } from "./idempotency.js";

/** Longest user agent forwarded. */
const MAX_USER_AGENT_LENGTH = 512;

/**
 * The headers the edge sends with an upstream call for `request`, built only
 * from what the edge verified or decided — never copied wholesale from the
 * client, so a client cannot set `x-internal-*` itself:
 *  - `x-internal-subject`: the verified token's `sub` (signed by the
 *    internal-auth client interceptor, which reads it from the call's
 *    headers); services act on it, never on a user id from the body or path;
 *  - `authorization`: the client's bearer, unchanged, on authenticated
 *    requests (identity's self-service RPCs verify it themselves);
 *  - `idempotency-key`: the validated key, when sent;
 *  - `x-client-ip`, `x-client-user-agent`: for throttling, sessions, events.
 */
export function upstreamHeadersFor(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = { "x-client-ip": request.ip };
  const userAgent = request.headers["user-agent"];
  if (userAgent) headers["x-client-user-agent"] = userAgent.slice(0, MAX_USER_AGENT_LENGTH);
  const claims = request.accessClaims;
  if (claims) {
    headers[InternalAuthHeader.subject] = claims.sub;
    if (request.headers.authorization) headers.authorization = request.headers.authorization;
  }
  const key = readIdempotencyKey(request.headers);
  if (key !== undefined) headers[IDEMPOTENCY_KEY_HEADER] = key;
  return headers;
}
