/**
 * What the BFF reads from a request besides its message: the end user (the
 * signed `x-internal-subject`; never an id from the request), the bearer
 * token and client facts the edge forwards, and the options every upstream
 * call carries (deadline, cancellation, the forwarded headers).
 */
import { create, type DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type CallOptions, type HandlerContext } from "@connectrpc/connect";
import { RetryInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { AccessTokenError, changesState } from "#platform/access-tokens/index.js";
import { InternalAuthHeader, internalCallerKey } from "#platform/internal-auth/index.js";
import type { Caller, TokenFacts } from "../caller.js";
import type { MobileBffDeps } from "../context.js";
import { identityRefusal } from "./upstream-errors.js";

/** Header carrying the end user's IP as seen by the edge. */
export const CLIENT_IP_HEADER = "x-client-ip";
/** Header carrying the end user's user agent as seen by the edge. */
export const CLIENT_USER_AGENT_HEADER = "x-client-user-agent";
/** Response header the ledger sets on a replayed idempotent write; passed on to the edge. */
export const IDEMPOTENT_REPLAYED_HEADER = "idempotent-replayed";
/** Seconds to wait when the revoked-session list cannot be read for a state-changing call. */
const REVOCATION_RETRY_AFTER_SEC = 2;
/** `amr` values that count as a second factor (RFC 8176). */
const SECOND_FACTORS = new Set(["otp", "hwk", "swk", "mfa"]);

/**
 * The authenticated end user. Every RPC but Onboard needs one: a call
 * without a forwarded subject is refused with Unauthenticated.
 */
export function callerOf(ctx: HandlerContext): Caller {
  const userId = ctx.values.get(internalCallerKey)?.subject ?? "";
  if (userId === "") throw new ConnectError("an authenticated user is required", Code.Unauthenticated);
  return { userId, ...clientFacts(ctx) };
}

/** The forwarded bearer token and client facts, for public RPCs too. */
export function clientFacts(ctx: HandlerContext): Omit<Caller, "userId"> {
  return {
    authorization: ctx.requestHeader.get("authorization") ?? "",
    clientIp: (ctx.requestHeader.get(CLIENT_IP_HEADER) ?? "").trim().slice(0, 64),
    userAgent: (ctx.requestHeader.get(CLIENT_USER_AGENT_HEADER) ?? "").slice(0, 256),
  };
}

/**
 * Options for an upstream call made on behalf of `caller`: the signed subject
 * (the user id; for Onboard's account, the new user), the bearer token when
 * `withBearer` (identity's self-service RPCs verify it themselves), the
 * client facts, the incoming call's cancellation, and a deadline no later
 * than the incoming one.
 */
export function upstreamOptions(
  deps: Pick<MobileBffDeps, "config">,
  ctx: HandlerContext,
  caller: Partial<Caller> & { userId?: string },
  extra: { withBearer?: boolean; onHeader?: (headers: Headers) => void } = {},
): CallOptions {
  const headers: Record<string, string> = {};
  if (caller.userId) headers[InternalAuthHeader.subject] = caller.userId;
  if (extra.withBearer && caller.authorization) headers.authorization = caller.authorization;
  if (caller.clientIp) headers[CLIENT_IP_HEADER] = caller.clientIp;
  if (caller.userAgent) headers[CLIENT_USER_AGENT_HEADER] = caller.userAgent;
  const left = ctx.timeoutMs();
  const timeoutMs = left === undefined ? deps.config.upstreamTimeoutMs : Math.max(1, Math.min(left, deps.config.upstreamTimeoutMs));
  return { headers, timeoutMs, signal: ctx.signal, onHeader: extra.onHeader };
}

/**
 * The session, device and second-factor time of the caller's access token,
 * verified here (signature, issuer, audience, expiry), bound to the signed
 * subject and checked against identity's revoked-session list, for every
 * RPC with a caller (calls that do not come through the edge are checked
 * too). No token yields empty facts (a mesh caller acting for the user
 * without one; the ledger then treats the user as without a second factor);
 * a token that fails is refused as identity would (Unauthenticated,
 * TOKEN_INVALID), a revoked session with Unauthenticated SESSION_REVOKED, a
 * key set that cannot be fetched with Unavailable. When Redis cannot answer,
 * a state-changing `method` (`changesState`: every RPC whose `google.api.http`
 * binding is not a GET) is refused with Unavailable REVOCATION_UNAVAILABLE
 * and a RetryInfo; a read goes on (logged, counted by the checker's metric).
 */
export async function tokenFacts(
  deps: Pick<MobileBffDeps, "tokens" | "revokedSessions" | "logger">,
  caller: Caller,
  method: DescMethod,
): Promise<TokenFacts> {
  const match = /^Bearer\s+(\S+)$/i.exec(caller.authorization);
  if (!match) return { sessionId: "", deviceId: "" };
  let claims;
  try {
    claims = await deps.tokens.verify(match[1]!);
  } catch (err) {
    if (err instanceof AccessTokenError && err.reason === "keys_unavailable") {
      throw new ConnectError("identity's key set is unavailable", Code.Unavailable, undefined, undefined, err);
    }
    throw identityRefusal("TOKEN_INVALID", "the access token is not valid", Code.Unauthenticated);
  }
  if (claims.sub !== caller.userId) throw identityRefusal("TOKEN_INVALID", "the access token is not the forwarded subject's", Code.Unauthenticated);
  const session = await deps.revokedSessions.status(claims.sid);
  if (session === "revoked") throw identityRefusal("SESSION_REVOKED", "the session of this access token has ended; log in again", Code.Unauthenticated);
  if (session === "unknown") {
    if (changesState(method)) {
      deps.logger.warn({ rpc: method.name }, "revoked-session list unavailable: state-changing call refused (fail closed)");
      const refusal = identityRefusal("REVOCATION_UNAVAILABLE", "the session of this access token cannot be checked right now; retry shortly", Code.Unavailable);
      refusal.details.push({ desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: { seconds: BigInt(REVOCATION_RETRY_AFTER_SEC), nanos: 0 } }) });
      throw refusal;
    }
    deps.logger.warn({ rpc: method.name }, "revoked-session list unavailable: read served without the check (fail open)");
  }
  const secondFactor = claims.amr.some((m) => SECOND_FACTORS.has(m));
  return {
    sessionId: claims.sid,
    deviceId: claims.device_id ?? "",
    secondFactorAt: secondFactor ? new Date(claims.auth_time * 1000) : undefined,
  };
}
