import { boolean, durationMs, positiveInt, text } from "../config/index.js";
import { amqpReconnectConfigShape } from "./reconnect-backoff.js";

/**
 * The environment of an outbox relay process, to pass as `extraConfig` to
 * `createProcessRuntime`:
 *
 * - `OUTBOX_EXCHANGE` (default "wallet.events"): durable topic exchange.
 * - `OUTBOX_BATCH_SIZE` (200): rows claimed per transaction.
 * - `OUTBOX_MAX_ATTEMPTS` (10): failed attempts before a row is dead.
 * - `OUTBOX_BACKOFF_BASE_MS` (1s) / `OUTBOX_BACKOFF_MAX_MS` (5m): per-row retry delays, full jitter.
 * - `AMQP_RECONNECT_MAX_MS` (30s): ceiling of the wait between reconnects to
 *   RabbitMQ (from `OUTBOX_BACKOFF_BASE_MS`, doubling), shared with the consumers;
 *   it also caps the wait after a failed database transaction.
 * - `OUTBOX_POLL_INTERVAL_MS` (200ms): pause when the outbox is drained.
 * - `OUTBOX_MANDATORY` (false): an event no queue is bound for counts as failed.
 */
export const outboxRelayConfigShape = {
  OUTBOX_EXCHANGE: text("wallet.events"),
  OUTBOX_BATCH_SIZE: positiveInt(200),
  OUTBOX_MAX_ATTEMPTS: positiveInt(10),
  OUTBOX_BACKOFF_BASE_MS: durationMs(1_000),
  OUTBOX_BACKOFF_MAX_MS: durationMs(300_000),
  OUTBOX_POLL_INTERVAL_MS: durationMs(200),
  OUTBOX_MANDATORY: boolean(false),
  ...amqpReconnectConfigShape,
};
