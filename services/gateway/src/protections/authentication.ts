import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AccessTokenError, isStateChangingHttpMethod, type AccessTokenVerifier, type RevokedSessionChecker } from "#platform/access-tokens/index.js";
import { EdgeProblem, sendProblem } from "./problem.js";
import { isBackofficeMethod, isPublicMethod, PUBLIC_PATHS } from "./public-routes.js";
import { rpcMethodOf } from "./route-rpc.js";

/** Dependencies of {@link registerAuthentication}. */
export interface AuthenticationOptions {
  /** The platform verifier pointed at identity's JWKS (see `createEdgeTokenVerifier`). */
  readonly verifier: AccessTokenVerifier;
  /** The revoked-session list identity writes; every verified token's `sid` is checked against it. */
  readonly revokedSessions: RevokedSessionChecker;
  /** `realm` of the Bearer challenges. */
  readonly realm?: string;
}

/** Seconds a client should wait when identity's keys cannot be fetched. */
const KEYS_UNAVAILABLE_RETRY_AFTER_SEC = 5;

/** Seconds a client should wait when the revoked-session list cannot be read for a state-changing request. */
const REVOCATION_UNAVAILABLE_RETRY_AFTER_SEC = 2;

/** Whether `request` may go through without a token: a public RPC, a public path, or no route at all (404). */
export function isPublicRequest(request: FastifyRequest): boolean {
  if (request.is404) return true;
  const method = rpcMethodOf(request);
  if (method) return isPublicMethod(method);
  return PUBLIC_PATHS.has(request.routeOptions.url ?? "");
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), else undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(header);
  return match?.[1];
}

/** Quotes a value for an auth-param (RFC 9110 quoted-string). */
const quoted = (value: string) => `"${value.replace(/[\\"]/g, "\\$&")}"`;

/** The refusal for a missing or refused token. */
export function authenticationProblem(err: AccessTokenError | undefined, realm: string): EdgeProblem {
  if (!err) {
    // RFC 6750 §3.1: no error code when the request carried no credentials.
    return new EdgeProblem(401, "Unauthorized", "TOKEN_MISSING", "this route requires an access token (Authorization: Bearer)", {
      "www-authenticate": `Bearer realm=${quoted(realm)}`,
    });
  }
  if (err.reason === "keys_unavailable") {
    return new EdgeProblem(503, "Service Unavailable", "KEYS_UNAVAILABLE", "the access token cannot be checked right now; retry shortly", {
      "retry-after": String(KEYS_UNAVAILABLE_RETRY_AFTER_SEC),
    });
  }
  const description = err.reason === "expired" ? "the access token has expired" : "the access token is invalid";
  return new EdgeProblem(401, "Unauthorized", "INVALID_TOKEN", description, {
    "www-authenticate": `Bearer realm=${quoted(realm)}, error="invalid_token", error_description=${quoted(description)}`,
  });
}

/** The refusal for a token whose session identity has ended (logout, revocation, reuse, password change, lock). */
export function sessionRevokedProblem(realm: string): EdgeProblem {
  const description = "the session of this access token has ended; log in again";
  return new EdgeProblem(401, "Unauthorized", "SESSION_REVOKED", description, {
    "www-authenticate": `Bearer realm=${quoted(realm)}, error="invalid_token", error_description=${quoted(description)}`,
  });
}

/** The refusal of a state-changing request while the revoked-session list cannot be read (fail closed). */
export function revocationUnavailableProblem(): EdgeProblem {
  return new EdgeProblem(503, "Service Unavailable", "REVOCATION_UNAVAILABLE", "the session of this access token cannot be checked right now; retry shortly", {
    "retry-after": String(REVOCATION_UNAVAILABLE_RETRY_AFTER_SEC),
  });
}

/**
 * Adds the `request.accessClaims` decorator and an onRequest hook that
 * verifies `Authorization: Bearer` access tokens on every non-public route:
 * 401 problem+json with `WWW-Authenticate: Bearer error="invalid_token"` when
 * refused (503 with `Retry-After` when identity's keys are unavailable); then
 * checks the token's session against the revoked-session list: 401
 * SESSION_REVOKED when identity ended it; when Redis cannot answer, every
 * state-changing request (any method but GET and HEAD:
 * {@link isStateChangingHttpMethod}) answers 503 REVOCATION_UNAVAILABLE with
 * Retry-After and reads go on (logged; counted by the checker's metric);
 * and 403 on backoffice RPCs when the token carries no staff role. Register
 * it after the per-IP limit and before the per-user limit.
 */
export function registerAuthentication(app: FastifyInstance, options: AuthenticationOptions): void {
  const realm = options.realm ?? "wallet";
  app.decorateRequest("accessClaims", undefined);
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    if (isPublicRequest(request)) return;
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) return sendProblem(reply, authenticationProblem(undefined, realm));
    try {
      request.accessClaims = await options.verifier.verify(token);
    } catch (err) {
      if (!(err instanceof AccessTokenError)) throw err;
      request.log.info({ reason: err.reason }, "access token refused");
      return sendProblem(reply, authenticationProblem(err, realm));
    }
    const session = await options.revokedSessions.status(request.accessClaims.sid);
    if (session === "revoked") {
      request.log.info("access token of a revoked session refused");
      return sendProblem(reply, sessionRevokedProblem(realm));
    }
    if (session === "unknown") {
      if (isStateChangingHttpMethod(request.method)) {
        request.log.warn("revoked-session list unavailable: state-changing request refused (fail closed)");
        return sendProblem(reply, revocationUnavailableProblem());
      }
      request.log.warn("revoked-session list unavailable: read served without the check (fail open)");
    }
    const method = rpcMethodOf(request);
    if (method && isBackofficeMethod(method) && (request.accessClaims.roles ?? []).length === 0) {
      return sendProblem(
        reply,
        new EdgeProblem(403, "Forbidden", "STAFF_ROLE_REQUIRED", "backoffice routes require a staff role", {
          "www-authenticate": `Bearer realm=${quoted(realm)}, error="insufficient_scope"`,
        }),
      );
    }
  });
}
