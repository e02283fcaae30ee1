import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { ReadinessCheck } from "../health/index.js";
import { createAmqpPublisher, type AmqpPublisher } from "./amqp-publisher.js";
import { fullJitterDelayMs, type BackoffPolicy } from "./backoff.js";
import {
  claimDueOutboxEvents,
  markOutboxEventsSent,
  readOutboxBacklog,
  recordOutboxFailures,
  type OutboxFailure,
} from "./outbox.repository.js";
import { createOutboxMetrics } from "./outbox-metrics.js";
import { createReconnectBackoff, DEFAULT_AMQP_RECONNECT_MAX_MS } from "./reconnect-backoff.js";
import { sleep } from "./sleep.js";

/** Options for {@link createOutboxRelay}. */
export interface OutboxRelayOptions {
  /** The producing service's database, holding `outbox_events`. */
  readonly db: Kysely<any>;
  readonly amqpUrl: string;
  /** Durable topic exchange to publish to (declared if missing), e.g. "wallet.events". */
  readonly exchange: string;
  /** Publish only this producer's rows; default every row of the table. */
  readonly producer?: string;
  /** Rows claimed (and locked) per transaction. */
  readonly batchSize: number;
  /** Failed attempts after which a row is marked `dead`. */
  readonly maxAttempts: number;
  /** Per-row retry delays (full jitter), and the pause after a failed database transaction. */
  readonly backoff: BackoffPolicy;
  /**
   * Ceiling of the wait between attempts to reach RabbitMQ again (starting
   * from `backoff.baseMs` and doubling, equal jitter); default 30 s, the
   * `AMQP_RECONNECT_MAX_MS` default. Independent of `backoff.maxMs`.
   */
  readonly reconnectMaxMs?: number;
  /** Pause after a batch that found fewer than `batchSize` due rows. */
  readonly pollIntervalMs: number;
  /** Treat an event no queue is bound for as failed (retried, then dead) instead of dropped. Default false. */
  readonly mandatory?: boolean;
  /** Bound on waiting for a batch's confirms before reconnecting; default 30 s. */
  readonly confirmTimeoutMs?: number;
  readonly logger: Logger;
  /** The process registry; the outbox metrics are registered on it. */
  readonly registry: Registry;
}

/** A running-or-not outbox relay. */
export interface OutboxRelay {
  /** Publishes until `signal` aborts; never throws (database and broker errors are logged and retried). */
  run(signal: AbortSignal): Promise<void>;
  /**
   * Readiness probe "amqp": passes while the relay is connected to RabbitMQ;
   * its detail is the reconnect state (`reconnectAttempt`, `retryInMs`...).
   */
  readonly readiness: ReadinessCheck;
  /** True while connected to RabbitMQ. */
  readonly connected: boolean;
}

/** What one batch did, counted after its transaction committed. */
interface BatchResult {
  readonly claimed: number;
  readonly sent: Map<string, number>;
  readonly failed: Map<string, number>;
  readonly dead: Map<string, number>;
  readonly connectionLost: boolean;
}

const increment = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

/**
 * The transactional outbox relay. Each loop turn, in one database
 * transaction: claim up to `batchSize` due pending rows with
 * `FOR UPDATE SKIP LOCKED` (so any number of relays can run at once without
 * publishing a row twice concurrently), publish them on a confirm channel,
 * wait for the confirms, then mark confirmed rows `sent`. A message the
 * broker refuses (nack, unroutable under `mandatory`, a channel error) costs
 * its row an attempt: `next_attempt_at` moves by exponential backoff with
 * full jitter and `last_error` records why, and after `maxAttempts` the row
 * is `dead` until `replayDeadOutboxEvents` re-queues it. A lost connection
 * costs no attempt: unconfirmed rows stay pending as they were, and the
 * relay reconnects with backoff capped at `reconnectMaxMs` (readiness fails
 * meanwhile and shows the attempt count and the wait).
 *
 * Delivery is at least once: a crash or a lost connection between the
 * broker receiving a message and the commit that marks it sent publishes it
 * again later. Consumers deduplicate on the message id (= event id).
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, logger, backoff, producer } = options;
  const reconnect = createReconnectBackoff({ baseMs: backoff.baseMs, maxMs: options.reconnectMaxMs ?? DEFAULT_AMQP_RECONNECT_MAX_MS });
  const publisher: AmqpPublisher = createAmqpPublisher({
    url: options.amqpUrl,
    exchange: options.exchange,
    mandatory: options.mandatory,
    confirmTimeoutMs: options.confirmTimeoutMs,
    logger,
  });
  const metrics = createOutboxMetrics(
    options.registry,
    () => readOutboxBacklog(db, producer),
    producer === undefined ? [] : [producer],
  );

  async function relayBatch(): Promise<BatchResult> {
    return db.transaction().execute(async (trx) => {
      const rows = await claimDueOutboxEvents(trx, { limit: options.batchSize, producer });
      const result: BatchResult = { claimed: rows.length, sent: new Map(), failed: new Map(), dead: new Map(), connectionLost: false };
      if (rows.length === 0) return result;

      const sent: string[] = [];
      const failures: OutboxFailure[] = [];
      // A row whose JSON payload cannot be encoded is dead at once: no retry can mend it.
      for (const row of rows.filter((r) => r.unencodable !== undefined)) {
        failures.push({ eventId: row.eventId, attempts: row.attempts + 1, error: row.unencodable!, dead: true, retryInMs: 0 });
        increment(result.failed, row.producer);
        increment(result.dead, row.producer);
      }
      const publishable = rows.filter((r) => r.unencodable === undefined);
      const outcomes = publishable.length > 0 ? await publisher.publishBatch(publishable) : [];
      let connectionLost = false;
      outcomes.forEach((outcome, index) => {
        const row = publishable[index]!;
        if (outcome.status === "confirmed") {
          sent.push(row.eventId);
          increment(result.sent, row.producer);
        } else if (outcome.status === "failed") {
          const attempts = row.attempts + 1;
          const dead = attempts >= options.maxAttempts;
          failures.push({ eventId: row.eventId, attempts, error: outcome.error, dead, retryInMs: fullJitterDelayMs(backoff, attempts) });
          increment(result.failed, row.producer);
          if (dead) increment(result.dead, row.producer);
        } else {
          connectionLost = true;
        }
      });
      await markOutboxEventsSent(trx, sent);
      await recordOutboxFailures(trx, failures);
      if (failures.length > 0) {
        logger.warn(
          { failed: failures.length, dead: failures.filter((f) => f.dead).length, error: failures[0]!.error },
          "outbox rows could not be published",
        );
      }
      return { ...result, connectionLost };
    });
  }

  async function run(signal: AbortSignal): Promise<void> {
    // A database outage is paced like a broker outage: rows flow again within the cap of it ending.
    const databaseRetry = createReconnectBackoff({ baseMs: backoff.baseMs, maxMs: options.reconnectMaxMs ?? DEFAULT_AMQP_RECONNECT_MAX_MS });
    try {
      while (!signal.aborted) {
        if (!publisher.connected) {
          try {
            await publisher.connect();
            const failed = reconnect.succeeded();
            if (failed > 0) logger.info({ attempts: failed }, "reconnected to RabbitMQ");
            else logger.info({ exchange: options.exchange }, "connected to RabbitMQ");
          } catch (err) {
            const delay = reconnect.failed();
            logger.warn({ err: (err as Error).message, attempt: reconnect.attempts, retryInMs: delay }, "cannot reach RabbitMQ");
            await sleep(delay, signal);
            continue;
          }
        }

        let result: BatchResult;
        try {
          result = await relayBatch();
          databaseRetry.succeeded();
        } catch (err) {
          const delay = databaseRetry.failed() + options.pollIntervalMs;
          logger.error({ err, retryInMs: delay }, "outbox batch failed");
          await sleep(delay, signal);
          continue;
        }
        for (const [label, n] of result.sent) metrics.published.inc({ producer: label }, n);
        for (const [label, n] of result.failed) metrics.failures.inc({ producer: label }, n);
        for (const [label, n] of result.dead) metrics.dead.inc({ producer: label }, n);
        if (result.connectionLost) logger.warn("RabbitMQ connection lost mid-batch; unconfirmed rows stay pending");
        if (result.claimed < options.batchSize && !result.connectionLost) await sleep(options.pollIntervalMs, signal);
      }
    } finally {
      await publisher.close();
    }
  }

  return {
    run,
    get connected() {
      return publisher.connected;
    },
    readiness: {
      name: "amqp",
      check: async () => {
        if (!publisher.connected) throw new Error("the outbox relay is not connected to RabbitMQ");
      },
      detail: () => reconnect.status(),
    },
  };
}
