import type { DescMethod } from "@bufbuild/protobuf";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { createAccessTokenVerifier, createRevokedSessionChecker, type AccessTokenVerifier, type RevokedSessionChecker } from "#platform/access-tokens/index.js";
import type { Registry } from "#platform/metrics/index.js";
import { createAuditLogHook } from "./audit-log.js";
import { registerAuthentication } from "./authentication.js";
import type { ProtectionsSettings } from "./config.js";
import { applyIdempotencyKey, idempotencyKeyHook } from "./idempotency.js";
import { EdgeProblem } from "./problem.js";
import { createEdgeRateLimits, type EdgeRateLimits, type RateLimitPolicyName } from "./rate-limits.js";
import { fastifyErrorProblem, registerRequestHygiene } from "./request-hygiene.js";
import { circuitOpenProblem } from "./resilient-upstream.js";
import { stepUpChallenge, stepUpProblemFromError } from "./step-up.js";
import { upstreamHeadersFor } from "./upstream-headers.js";

/** Dependencies of {@link registerEdgeProtections}. */
export interface EdgeProtectionsDeps {
  readonly settings: ProtectionsSettings;
  /** Default: {@link createEdgeTokenVerifier} from `settings.jwks`. */
  readonly verifier?: AccessTokenVerifier;
  /** The process's Redis (`runtime.redis`). */
  readonly redis: Redis;
  /** Prefix of the rate-limit keys; default "gateway:". */
  readonly keyPrefix?: string;
  /** Where audit lines go (`runtime.logger.child({ component: "audit" })`). */
  readonly auditLogger: Logger;
  /** Called when a rate limit decides in memory because Redis is away (a metric, a log). */
  readonly onRateLimitStoreUnavailable?: (policy: RateLimitPolicyName) => void;
  /**
   * The limits, when the process shares them with the answers of Node's HTTP
   * parser (`edgeHttp1Options`), so both count against one per-IP budget, in
   * Redis and in the in-memory insurance alike. Default: {@link createEdgeRateLimits}
   * over `redis` with `settings.rateLimits`.
   */
  readonly rateLimits?: EdgeRateLimits;
  /** Default: {@link createRevokedSessionChecker} over `redis` with `settings.revocation`. */
  readonly revokedSessions?: RevokedSessionChecker;
  /** Where the default checker registers `session_revocation_checks_total` and the rate limits `gateway_rate_limit_refusals_total` (`runtime.metrics.registry`). */
  readonly registry?: Registry;
}

/** The platform verifier pointed at identity's JWKS (cached; refetched on an unknown `kid`). */
export function createEdgeTokenVerifier(jwks: ProtectionsSettings["jwks"]): AccessTokenVerifier {
  return createAccessTokenVerifier({ jwksUrl: jwks.url, issuer: jwks.issuer, audience: jwks.audience });
}

/**
 * Registers every request-level protection on the edge app, in order
 * (call it on the root instance before the routes are added):
 * onRequest: per-IP limit (first, so every answer, refusals included, carries
 * the RateLimit headers) → hygiene (HTTPS, header and body size, JSON only)
 * → authentication (signature, claims, revoked session) and staff role → per-user limit → Idempotency-Key check;
 * onSend: security headers; onResponse: the audit line. Routes tell the hooks
 * their RPC with `config: { rpcMethod }`.
 */
export function registerEdgeProtections(app: FastifyInstance, deps: EdgeProtectionsDeps): void {
  const limits = deps.rateLimits ?? createEdgeRateLimits({
    redis: deps.redis,
    keyPrefix: deps.keyPrefix ?? "gateway:",
    settings: deps.settings.rateLimits,
    ...(deps.onRateLimitStoreUnavailable ? { onStoreUnavailable: deps.onRateLimitStoreUnavailable } : {}),
    ...(deps.registry ? { registry: deps.registry } : {}),
  });
  app.addHook("onRequest", limits.perIp);
  registerRequestHygiene(app, deps.settings.hygiene);
  const revokedSessions =
    deps.revokedSessions ??
    createRevokedSessionChecker({ redis: deps.redis, ...deps.settings.revocation, ...(deps.registry ? { registry: deps.registry } : {}) });
  registerAuthentication(app, { verifier: deps.verifier ?? createEdgeTokenVerifier(deps.settings.jwks), revokedSessions });
  app.addHook("onRequest", limits.perUser);
  app.addHook("onRequest", idempotencyKeyHook);
  app.addHook("onResponse", createAuditLogHook(deps.auditLogger));
}

/**
 * What the core calls for each request once it has built the request message
 * and before calling the upstream: copies the Idempotency-Key into the
 * message, checks step-up, and returns the headers to send upstream
 * (`x-internal-subject`, `authorization`, `idempotency-key`, client address).
 *
 * @throws EdgeProblem (400 missing key, 401 step-up challenge): send it with `sendProblem`.
 */
export function prepareUpstreamCall(
  request: FastifyRequest,
  method: DescMethod,
  message: object,
  settings: Pick<ProtectionsSettings, "stepUp">,
): Record<string, string> {
  applyIdempotencyKey(method, message, request.headers);
  const challenge = stepUpChallenge(method, message, request.accessClaims, settings.stepUp);
  if (challenge) throw challenge;
  return upstreamHeadersFor(request);
}

/**
 * The edge's own problem for `err`, or undefined to let the core's
 * `toProblem` map it: an {@link EdgeProblem}, an upstream STEP_UP_REQUIRED
 * (the RFC 9470 challenge), an open breaker (503 + Retry-After), or a fastify
 * body error (413/415/400). The core's error handler tries it first.
 */
export function edgeProblemFromError(err: unknown, settings: Pick<ProtectionsSettings, "stepUp">): EdgeProblem | undefined {
  if (err instanceof EdgeProblem) return err;
  return stepUpProblemFromError(err, settings.stepUp) ?? circuitOpenProblem(err) ?? fastifyErrorProblem(err);
}
