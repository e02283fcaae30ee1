/** Exponential backoff bounds: the first retry waits up to `baseMs`, doubling up to `maxMs`. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * The ceiling of the delay before retry number `attempt` (1 for the first
 * retry): `min(maxMs, baseMs * 2^(attempt-1))`.
 */
export function backoffCeilingMs(policy: BackoffPolicy, attempt: number): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^exponent overflows to Infinity long after it passes maxMs; min() clamps it.
  return Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
}

/**
 * "Full jitter" backoff (AWS architecture blog, "Exponential Backoff and
 * Jitter"): a uniformly random delay between 0 and the ceiling, so retries
 * of many rows or relays spread out instead of arriving in waves.
 */
export function fullJitterDelayMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeilingMs(policy, attempt));
}
