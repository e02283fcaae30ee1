/**
 * The staff member behind a call. The edge signs the subject
 * (`x-internal-subject`) and forwards the access token; the backoffice
 * verifies the token itself (signature, issuer, audience, expiry), binds it
 * to the signed subject and checks identity's revoked-session list, so a
 * logged-out or locked staff member stops at once, whoever forwarded the call.
 */
import { Code, type HandlerContext } from "@connectrpc/connect";
import { AccessTokenError } from "#platform/access-tokens/index.js";
import { internalCallerKey } from "#platform/internal-auth/index.js";
import { requestContext } from "#platform/server/index.js";
import type { BackofficeDeps } from "../context.js";
import { backofficeRefusal } from "./refusals.js";

/** Header carrying the client's IP as seen by the edge. */
export const CLIENT_IP_HEADER = "x-client-ip";

/** A verified staff caller. */
export interface StaffCaller {
  readonly id: string;
  readonly roles: readonly string[];
  readonly sessionId: string;
  readonly amr: readonly string[];
  readonly authTime: Date;
}

/** Who the call claims to be and from where, before anything is verified: what a denial is logged under. */
export interface CallFacts {
  readonly subject: string;
  readonly requestId: string;
  readonly clientIp: string;
}

/** The unverified facts of a call, for the audit entry of any outcome. */
export function callFacts(ctx: HandlerContext): CallFacts {
  return {
    subject: ctx.values.get(internalCallerKey)?.subject ?? "",
    requestId: ctx.values.get(requestContext.requestId),
    clientIp: (ctx.requestHeader.get(CLIENT_IP_HEADER) ?? "").trim().slice(0, 64),
  };
}

const tokenInvalid = (message: string) => backofficeRefusal("STAFF_TOKEN_INVALID", message, Code.Unauthenticated);

/**
 * The verified staff caller of `ctx`. Unauthenticated (STAFF_TOKEN_INVALID)
 * without a signed subject or a valid token of theirs, or for a revoked
 * session; Unavailable when identity's key set or the revoked-session list
 * cannot be read (staff calls fail closed: they change money and access).
 */
export async function verifyStaff(deps: Pick<BackofficeDeps, "tokens" | "revokedSessions">, ctx: HandlerContext, facts: CallFacts): Promise<StaffCaller> {
  if (facts.subject === "") throw tokenInvalid("a staff user is required (no signed subject)");
  const match = /^Bearer\s+(\S+)$/i.exec(ctx.requestHeader.get("authorization") ?? "");
  if (!match) throw tokenInvalid("a staff access token is required");
  let claims;
  try {
    claims = await deps.tokens.verify(match[1]!);
  } catch (err) {
    if (err instanceof AccessTokenError && err.reason === "keys_unavailable") {
      throw backofficeRefusal("STAFF_TOKEN_INVALID", "identity's key set is unavailable; retry shortly", Code.Unavailable);
    }
    throw tokenInvalid("the staff access token is not valid");
  }
  if (claims.sub !== facts.subject) throw tokenInvalid("the access token is not the signed subject's");
  const session = await deps.revokedSessions.status(claims.sid);
  if (session === "revoked") throw tokenInvalid("the session of this access token has ended; sign in again");
  if (session === "unknown") throw backofficeRefusal("STAFF_TOKEN_INVALID", "the session of this access token cannot be checked right now; retry shortly", Code.Unavailable);
  return { id: claims.sub, roles: claims.roles ?? [], sessionId: claims.sid, amr: claims.amr, authTime: new Date(claims.auth_time * 1000) };
}
