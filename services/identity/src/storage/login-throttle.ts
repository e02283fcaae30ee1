/**
 * Failed-login throttling in Redis, per account (keyed by the sha256 of the
 * normalised email, so unknown emails are throttled exactly like real ones)
 * and per client IP. Each subject is a hash {first, failures, blocked_until}
 * whose times come from the injected clock; Redis expiry only cleans up.
 * Counting is atomic (a Lua script); the rules are in domain/throttle-policy.ts.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { IdentityError } from "../domain/identity-error.js";
import { blockAfterFailures, type ThrottleLimits } from "../domain/throttle-policy.js";

/** Who an attempt is for. */
export interface ThrottleSubject {
  /** Normalised email as typed (whether or not an account has it). */
  readonly email: string;
  /** Client IP as forwarded by the edge; "" skips the IP throttle. */
  readonly ip: string;
}

/** The login throttle. */
export interface LoginThrottle {
  /** Refuses with ACCOUNT_LOCKED (and the delay to wait) while the email or the IP is blocked. */
  assertAllowed(subject: ThrottleSubject): Promise<void>;
  /** Counts a failure for the email and the IP, starting a delay or the lock when due. */
  recordFailure(subject: ThrottleSubject): Promise<void>;
  /** Forgets the email's failures (successful login, recovery, staff unlock). */
  reset(email: string): Promise<void>;
}

/** Counts one failure; restarts the count when the window since the first failure has passed. Answers the count. */
const COUNT_FAILURE = `
local first = tonumber(redis.call('HGET', KEYS[1], 'first'))
local now = tonumber(ARGV[1])
if first == nil or now - first > tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'first', ARGV[1])
end
local n = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return n
`;

/** Sets blocked_until to the later of its value and ARGV[1]. */
const BLOCK_UNTIL = `
local current = tonumber(redis.call('HGET', KEYS[1], 'blocked_until'))
if current == nil or current < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'blocked_until', ARGV[1]) end
return 1
`;

/** A throttle over Redis under `prefix`. */
export function createLoginThrottle(options: {
  redis: Redis;
  prefix: string;
  clock: () => Date;
  account: ThrottleLimits;
  ip: ThrottleLimits;
}): LoginThrottle {
  const { redis, prefix, clock } = options;
  const accountKey = (email: string) => `${prefix}login-failures:account:${createHash("sha256").update(email).digest("hex")}`;
  const ipKey = (ip: string) => `${prefix}login-failures:ip:${ip}`;
  const targets = (subject: ThrottleSubject): Array<[string, ThrottleLimits]> => [
    [accountKey(subject.email), options.account],
    ...(subject.ip ? ([[ipKey(subject.ip), options.ip]] as Array<[string, ThrottleLimits]>) : []),
  ];

  return {
    async assertAllowed(subject) {
      const now = clock().getTime();
      let wait = 0;
      for (const [key] of targets(subject)) {
        const until = Number((await redis.hget(key, "blocked_until")) ?? 0);
        wait = Math.max(wait, until - now);
      }
      if (wait > 0) {
        throw new IdentityError("ACCOUNT_LOCKED", "too many failed attempts; try again later", { retry_after_ms: String(wait) }, wait);
      }
    },
    async recordFailure(subject) {
      const now = clock().getTime();
      for (const [key, limits] of targets(subject)) {
        const ttl = limits.windowMs + limits.lockMs + 60_000;
        const failures = Number(await redis.eval(COUNT_FAILURE, 1, key, now, limits.windowMs, ttl, 0));
        const block = blockAfterFailures(failures, limits);
        if (block > 0) await redis.eval(BLOCK_UNTIL, 1, key, now + block);
      }
    },
    async reset(email) {
      await redis.del(accountKey(email));
    },
  };
}
