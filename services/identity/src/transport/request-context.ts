/**
 * What identity reads from a request besides its message: the end user of a
 * self-service call (their access token, which the edge forwards unchanged in
 * `authorization`, verified here and matched against the signed
 * `x-internal-subject`), and the client's address and user agent the edge
 * forwards in `x-client-ip` and `x-client-user-agent`.
 */
import type { HandlerContext } from "@connectrpc/connect";
import { internalCallerKey } from "#platform/internal-auth/index.js";
import type { IdentityDeps } from "../context.js";
import { IdentityError } from "../domain/identity-error.js";
import { isSessionActive } from "../domain/sessions.js";
import type { ClientInfo } from "../domain/users.js";
import type { SelfCaller } from "../self-caller.js";
import { findSession } from "../storage/sessions.repository.js";
import { findUser } from "../storage/users.repository.js";

/** Header carrying the end user's IP as seen by the edge. */
export const CLIENT_IP_HEADER = "x-client-ip";
/** Header carrying the end user's user agent as seen by the edge. */
export const CLIENT_USER_AGENT_HEADER = "x-client-user-agent";

/** The client's address and user agent, "" when the edge sent none. */
export function clientInfo(ctx: HandlerContext): ClientInfo {
  return {
    ipAddress: (ctx.requestHeader.get(CLIENT_IP_HEADER) ?? "").trim().slice(0, 64),
    userAgent: (ctx.requestHeader.get(CLIENT_USER_AGENT_HEADER) ?? "").slice(0, 256),
  };
}

/**
 * The end user of a self-service RPC: the bearer access token must verify
 * (signature, typ, issuer, audience, expiry), its session must be active,
 * its user active, and its subject equal to the forwarded subject when the
 * caller forwards one. Errors: TOKEN_INVALID, SESSION_REVOKED,
 * SESSION_EXPIRED, ACCOUNT_SUSPENDED.
 */
export async function authenticateSelf(deps: IdentityDeps, ctx: HandlerContext): Promise<SelfCaller> {
  const header = ctx.requestHeader.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const claims = match ? await deps.tokens.verifyAccessToken(match[1]!) : undefined;
  if (!claims) throw new IdentityError("TOKEN_INVALID", "a valid access token is required");
  const subject = ctx.values.get(internalCallerKey)?.subject;
  if (subject !== undefined && subject !== "" && subject !== claims.sub) throw new IdentityError("TOKEN_INVALID", "the access token is not the forwarded subject's");
  const session = await findSession(deps.db, claims.sid);
  const now = deps.clock();
  if (!session || session.userId !== claims.sub) throw new IdentityError("TOKEN_INVALID", "the token's session is unknown");
  if (session.revokedAt) throw new IdentityError("SESSION_REVOKED", "the session was revoked");
  if (!isSessionActive(session, now)) throw new IdentityError("SESSION_EXPIRED", "the session expired");
  const user = await findUser(deps.db, claims.sub);
  if (!user || user.status !== "ACTIVE") throw new IdentityError("ACCOUNT_SUSPENDED", "the account is locked");
  return { userId: claims.sub, sessionId: claims.sid, deviceId: claims.device_id ?? "", amr: claims.amr, authTime: new Date(claims.auth_time * 1000) };
}
