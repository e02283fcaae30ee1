import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import { registeredCounter, type Registry } from "#platform/metrics/index.js";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { RateLimitSettings } from "./config.js";
import { EdgeProblem, sendProblem } from "./problem.js";
import { isSensitiveMethod } from "./public-routes.js";
import { rpcMethodOf } from "./route-rpc.js";

/** The limits, by the name they carry in the RateLimit headers. */
export type RateLimitPolicyName = "ip" | "ip-sensitive" | "user" | "user-sensitive";

/** Dependencies of {@link createEdgeRateLimits}. */
export interface EdgeRateLimitsOptions {
  /** The process's Redis connection (ioredis). */
  readonly redis: Redis;
  /** Prefix of every key, e.g. "gateway:" (tests pass their unique prefix). */
  readonly keyPrefix: string;
  readonly settings: RateLimitSettings;
  /** Called when Redis is not connected and the in-memory insurance limiter decides instead. */
  readonly onStoreUnavailable?: (policy: RateLimitPolicyName) => void;
  /** Where `gateway_rate_limit_refusals_total{policy}` is registered (`runtime.metrics.registry`); none when absent. */
  readonly registry?: Registry;
  /** Where {@link EdgeRateLimits.ipHeadersFor} warns that no store answered (requests warn on their own logger); default nowhere. */
  readonly logger?: Pick<FastifyBaseLogger, "warn">;
}

/** A logger that drops everything. */
const silent: Pick<FastifyBaseLogger, "warn"> = { warn: () => {} };

/** The two hooks: per IP (register before authentication) and per user (after). */
export interface EdgeRateLimits {
  /** onRequest hook: every request by client IP; sign-up, login, MFA and recovery routes also by a tighter IP budget. */
  readonly perIp: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  /** onRequest hook: authenticated requests by `sub`; sensitive routes also by a tighter user budget. */
  readonly perUser: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  /**
   * The per-IP limit for an answer with no request behind it (Node's HTTP
   * parser refused the bytes): consumes one point of `address`, the socket's
   * remote address, and returns the `RateLimit-Policy` and `RateLimit`
   * headers, or none when no store answered (as {@link perIp} then sends none).
   */
  readonly ipHeadersFor: (address: string) => Promise<Record<string, string>>;
}

/** One applied limit, as the RateLimit headers report it. */
interface Applied {
  readonly name: RateLimitPolicyName;
  readonly quota: number;
  readonly windowSec: number;
  readonly remaining: number;
  readonly resetSec: number;
}

/** Limits applied to each request so far, to report them all in one header. */
const appliedByRequest = new WeakMap<FastifyRequest, Applied[]>();

/** `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers): `"ip";q=300;w=60, "user";q=120;w=60`. */
export function rateLimitPolicyHeader(applied: readonly Pick<Applied, "name" | "quota" | "windowSec">[]): string {
  return applied.map((a) => `"${a.name}";q=${a.quota};w=${a.windowSec}`).join(", ");
}

/** `RateLimit`: `"ip";r=299;t=59`, remaining quota and seconds until it resets. */
export function rateLimitHeader(applied: readonly Pick<Applied, "name" | "remaining" | "resetSec">[]): string {
  return applied.map((a) => `"${a.name}";r=${a.remaining};t=${a.resetSec}`).join(", ");
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Metric name: requests the edge refused with 429, by the limit that refused them. */
const REFUSALS_METRIC = "gateway_rate_limit_refusals_total";

/** The refusals counter of `registry` (created once, every policy's series at 0 from the start). */
function refusalsCounter(registry: Registry) {
  return registeredCounter(registry, {
    name: REFUSALS_METRIC,
    help: "Requests refused with 429 by the edge's rate limits, by policy (ip, ip-sensitive, user, user-sensitive).",
    label: "policy",
    values: ["ip", "ip-sensitive", "user", "user-sensitive"] satisfies RateLimitPolicyName[],
  });
}

/**
 * Rate limits in Redis (rate-limiter-flexible's `RateLimiterRedis`: one Lua
 * script per consume, so counting is atomic across gateway replicas), fixed
 * windows of `settings.windowSec`. Every answer carries `RateLimit-Policy`
 * and `RateLimit`; a refusal is 429 problem+json with `Retry-After`.
 *
 * When Redis is unreachable (not connected, or a command fails) the limits
 * fail open to an in-memory insurance limiter with the same budgets: each
 * replica then enforces them on its own, so the effective budget is at most
 * replicas × budget until Redis returns. Requests are never refused because
 * Redis is away, and never wait for it (`rejectIfRedisNotReady`).
 * Refusals count in `gateway_rate_limit_refusals_total{policy}` when a
 * registry is given.
 */
export function createEdgeRateLimits(options: EdgeRateLimitsOptions): EdgeRateLimits {
  const { settings } = options;
  const refusals = options.registry ? refusalsCounter(options.registry) : undefined;
  const quotas: Record<RateLimitPolicyName, number> = {
    ip: settings.perIp,
    "ip-sensitive": settings.sensitive,
    user: settings.perUser,
    "user-sensitive": settings.sensitive,
  };
  const limiters = new Map<RateLimitPolicyName, RateLimiterRedis>();
  for (const [name, points] of Object.entries(quotas) as [RateLimitPolicyName, number][]) {
    limiters.set(
      name,
      new RateLimiterRedis({
        storeClient: options.redis,
        keyPrefix: `${options.keyPrefix}ratelimit:${name}`,
        points,
        duration: settings.windowSec,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: `insurance:${name}`, points, duration: settings.windowSec }),
      }),
    );
  }

  /**
   * Consumes one point of `name` for `key`: the limit as applied, and whether
   * it refused; undefined when neither Redis nor the insurance limiter answered
   * (fail open).
   */
  async function take(name: RateLimitPolicyName, key: string, log: Pick<FastifyBaseLogger, "warn">) {
    if (options.redis.status !== "ready") options.onStoreUnavailable?.(name);
    let result: RateLimiterRes;
    let refused = false;
    try {
      result = await limiters.get(name)!.consume(key, 1);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        log.warn({ policy: name, err: (err as Error)?.message }, "rate limit store unavailable; request let through");
        return undefined;
      }
      result = err;
      refused = true;
    }
    const applied: Applied = { name, quota: quotas[name], windowSec: settings.windowSec, remaining: result.remainingPoints, resetSec: seconds(result.msBeforeNext) };
    return { applied, refused };
  }

  /** Consumes one point of `name` for `key`, adds the headers; sends 429 and returns the reply when over. */
  async function consume(name: RateLimitPolicyName, key: string, request: FastifyRequest, reply: FastifyReply) {
    const taken = await take(name, key, request.log);
    if (!taken) return undefined;
    const applied = appliedByRequest.get(request) ?? [];
    applied.push(taken.applied);
    appliedByRequest.set(request, applied);
    void reply.header("ratelimit-policy", rateLimitPolicyHeader(applied));
    void reply.header("ratelimit", rateLimitHeader(applied));
    if (!taken.refused) return undefined;
    refusals?.inc({ policy: name });
    const retryAfter = taken.applied.resetSec;
    return sendProblem(
      reply,
      new EdgeProblem(429, "Too Many Requests", "RATE_LIMITED", `too many requests (${name} limit); retry after ${retryAfter} s`, {
        "retry-after": String(retryAfter),
      }),
    );
  }

  return {
    async perIp(request, reply) {
      const ip = request.ip;
      const refused = await consume("ip", ip, request, reply);
      if (refused) return refused;
      const method = rpcMethodOf(request);
      if (method && isSensitiveMethod(method)) return consume("ip-sensitive", ip, request, reply);
      return undefined;
    },
    async perUser(request, reply) {
      const sub = request.accessClaims?.sub;
      if (sub === undefined) return undefined;
      const refused = await consume("user", sub, request, reply);
      if (refused) return refused;
      const method = rpcMethodOf(request);
      if (method && isSensitiveMethod(method)) return consume("user-sensitive", sub, request, reply);
      return undefined;
    },
    async ipHeadersFor(address): Promise<Record<string, string>> {
      const taken = await take("ip", address, options.logger ?? silent);
      if (!taken) return {};
      return { "ratelimit-policy": rateLimitPolicyHeader([taken.applied]), ratelimit: rateLimitHeader([taken.applied]) };
    },
  };
}
