import { durationMs } from "../config/index.js";
import type { ReadinessDetail } from "../health/index.js";
import { backoffCeilingMs, fullJitterDelayMs, type BackoffPolicy } from "./backoff.js";

/** Default ceiling of the wait between two attempts to reach RabbitMQ again. */
export const DEFAULT_AMQP_RECONNECT_MAX_MS = 30_000;

/**
 * The environment every RabbitMQ client process (outbox relays, event
 * consumers) reads beside its own settings, to spread into its `extraConfig`:
 *
 * - `AMQP_RECONNECT_MAX_MS` (30s): ceiling of the wait between reconnect
 *   attempts, whatever the per-row or per-message retry ceiling is, so events
 *   flow again within about this long of the broker coming back.
 */
export const amqpReconnectConfigShape = {
  AMQP_RECONNECT_MAX_MS: durationMs(DEFAULT_AMQP_RECONNECT_MAX_MS),
};

/** Where a reconnect loop stands, as /readyz shows it. */
export interface ReconnectStatus extends ReadinessDetail {
  /** Failed attempts since the connection was lost (0 while connected or before the first failure). */
  readonly reconnectAttempt: number;
  /** Milliseconds until the next attempt (0 while connected or while an attempt is under way). */
  readonly retryInMs: number;
  /** The whole of the current wait (0 when not waiting). */
  readonly reconnectDelayMs: number;
  /** The ceiling of any wait. */
  readonly reconnectMaxMs: number;
}

/** The reconnect pacing of one RabbitMQ client, separate from its message retries. */
export interface ReconnectBackoff {
  /** Records a failed attempt and returns the wait before the next one. */
  failed(): number;
  /** Records a working connection; returns how many attempts had failed before it. */
  succeeded(): number;
  /** Failed attempts since the last success. */
  readonly attempts: number;
  /** The current state, for readiness. */
  status(): ReconnectStatus;
}

/**
 * Paces reconnects: the wait before attempt n+1 is drawn with equal jitter
 * between half and all of `min(maxMs, baseMs * 2^(n-1))`, so a refusing
 * broker never sees a tight loop, many clients spread out, and no wait ever
 * exceeds `maxMs`.
 */
export function createReconnectBackoff(
  policy: BackoffPolicy,
  clock: { now: () => number; random: () => number } = { now: Date.now, random: Math.random },
): ReconnectBackoff {
  let attempts = 0;
  let delayMs = 0;
  let retryAt = 0;
  return {
    failed() {
      attempts++;
      const ceiling = backoffCeilingMs(policy, attempts);
      delayMs = Math.round(ceiling / 2 + fullJitterDelayMs(policy, attempts, clock.random) / 2);
      retryAt = clock.now() + delayMs;
      return delayMs;
    },
    succeeded() {
      const failed = attempts;
      attempts = 0;
      delayMs = 0;
      retryAt = 0;
      return failed;
    },
    get attempts() {
      return attempts;
    },
    status() {
      const retryInMs = delayMs === 0 ? 0 : Math.max(0, Math.round(retryAt - clock.now()));
      return { reconnectAttempt: attempts, retryInMs, reconnectDelayMs: retryInMs === 0 ? 0 : delayMs, reconnectMaxMs: policy.maxMs };
    },
  };
}
