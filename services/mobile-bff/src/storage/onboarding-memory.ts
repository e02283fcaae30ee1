import type { Redis } from "ioredis";

/**
 * Remembers the currency a user chose at Onboard until their first account
 * exists, so Bootstrap can open it when Onboard could not. Best effort: a
 * lost entry makes Bootstrap use the default currency.
 */
export interface OnboardingMemory {
  /** Keeps `currency` for `userId`. */
  remember(userId: string, currency: string): Promise<void>;
  /** The remembered currency, if any. */
  recall(userId: string): Promise<string | undefined>;
  /** Forgets it once the account exists. */
  forget(userId: string): Promise<void>;
}

/** An {@link OnboardingMemory} in Redis: one key per user, expiring after `ttlMs`. */
export function createRedisOnboardingMemory(redis: Redis, options: { prefix: string; ttlMs: number }): OnboardingMemory {
  const key = (userId: string) => `${options.prefix}${userId}`;
  return {
    async remember(userId, currency) {
      await redis.set(key(userId), currency, "PX", options.ttlMs);
    },
    async recall(userId) {
      return (await redis.get(key(userId))) ?? undefined;
    },
    async forget(userId) {
      await redis.del(key(userId));
    },
  };
}
