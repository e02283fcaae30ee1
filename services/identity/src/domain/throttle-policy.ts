/**
 * Failed-login throttling rules (OWASP ASVS 2.2.1): a few free attempts, then
 * a delay that doubles per failure up to a ceiling, and a temporary lock once
 * the failures reach the limit. Applied per account (by email, existing or
 * not) and per client IP with their own limits.
 */

/** Limits of one throttle (account or IP). */
export interface ThrottleLimits {
  /** Failures within the window before any delay. */
  readonly freeAttempts: number;
  /** Failures within the window that lock. */
  readonly lockAfter: number;
  /** First delay once the free attempts are spent; doubles per further failure. */
  readonly baseDelayMs: number;
  /** Largest delay before the lock. */
  readonly maxDelayMs: number;
  /** How long the lock lasts. */
  readonly lockMs: number;
  /** Failures older than this (counted from the first) are forgotten. */
  readonly windowMs: number;
}

/**
 * How long after the `failures`-th failure the next attempt is refused:
 * 0 for the free attempts, then base·2^(n−free−1) capped at the ceiling, and
 * the lock duration from `lockAfter` failures on.
 */
export function blockAfterFailures(failures: number, limits: ThrottleLimits): number {
  if (failures >= limits.lockAfter) return limits.lockMs;
  if (failures <= limits.freeAttempts) return 0;
  const exponent = failures - limits.freeAttempts - 1;
  return Math.min(limits.baseDelayMs * 2 ** Math.min(exponent, 30), limits.maxDelayMs);
}
