import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

/** Options for {@link createUserRateCap}. */
export interface UserRateCapOptions {
  readonly redis: Redis;
  /** The worker's key prefix, e.g. "notification:"; keys are `<prefix>user-sends:<user id>`. */
  readonly prefix: string;
  /** Sends allowed per user per window. */
  readonly limit: number;
  /** The window, rounded up to whole seconds. */
  readonly windowMs: number;
}

/** Whether a user may be sent one more message now, and if not when. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryInMs: number };

/** The per-user send cap, shared by every worker through Redis. */
export interface UserRateCap {
  /** Takes one send from the user's allowance; throws when Redis cannot answer. */
  take(userId: string): Promise<RateDecision>;
}

/**
 * At most `limit` sends per user per window, counted in Redis with
 * rate-limiter-flexible so every delivery worker shares the count: a burst
 * of transaction or marketing messages cannot flood one person.
 */
export function createUserRateCap(options: UserRateCapOptions): UserRateCap {
  const limiter = new RateLimiterRedis({
    storeClient: options.redis,
    keyPrefix: `${options.prefix}user-sends`,
    points: options.limit,
    duration: Math.max(1, Math.ceil(options.windowMs / 1000)),
  });
  return {
    async take(userId) {
      try {
        await limiter.consume(userId);
        return { allowed: true };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return { allowed: false, retryInMs: Math.max(1, rejection.msBeforeNext) };
        throw rejection;
      }
    },
  };
}
