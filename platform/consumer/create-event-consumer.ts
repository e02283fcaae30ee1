import amqp, { type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Options } from "amqplib";
import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { EventEnvelope } from "../../gen/wallet/events/v1/envelope_pb.js";
import type { ReadinessCheck } from "../health/index.js";
import type { BackoffPolicy } from "../outbox/backoff.js";
import { closeAmqpConnection } from "../outbox/close-amqp-connection.js";
import { createReconnectBackoff, DEFAULT_AMQP_RECONNECT_MAX_MS } from "../outbox/reconnect-backoff.js";
import { sleep } from "../outbox/sleep.js";
import { createConsumerMetrics } from "./consumer-metrics.js";
import { insertDeadLetter, markEventProcessed } from "./consumer.repository.js";
import { consumerTopology, declareConsumerTopology, type ConsumerTopology } from "./consumer-topology.js";
import {
  ATTEMPTS_HEADER,
  LAST_ERROR_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  REPLAYED_HEADER,
  attemptsOf,
  carriedHeaders,
  decodeDelivery,
  headersForRecord,
  originalRoutingKeyOf,
} from "./decode-delivery.js";

/** Options for {@link createEventConsumer}. */
export interface EventConsumerOptions {
  readonly amqpUrl: string;
  /** The durable topic exchange events are published to, e.g. "wallet.events" (declared if missing). */
  readonly exchange: string;
  /** The consumer's quorum work queue, e.g. "risk.events". */
  readonly queue: string;
  /** Binding keys, e.g. ["ledger.TransferPosted", "identity.#"]. */
  readonly bindings: readonly string[];
  /** Name recorded in `processed_events` and the metrics, e.g. "ops-risk". */
  readonly consumer: string;
  /** The consuming service's database, holding `processed_events` and `dead_letter_events`. */
  readonly db: Kysely<any>;
  /** The effect of one event, inside the transaction that records it processed. Throwing rolls both back. */
  readonly handle: (envelope: EventEnvelope, trx: Transaction<any>) => Promise<void>;
  /** Handling attempts before a message is dead-lettered (1 = no retry). */
  readonly maxAttempts: number;
  /** Delay before the first retry; doubles per attempt up to `maxRetryDelayMs`. Also the first reconnect wait. */
  readonly retryDelayMs: number;
  /** Ceiling of the retry delay (the delay queues' TTLs); default 5 minutes. */
  readonly maxRetryDelayMs?: number;
  /**
   * Ceiling of the wait between attempts to reach RabbitMQ again (from
   * `retryDelayMs`, doubling, equal jitter); default 30 s, the
   * `AMQP_RECONNECT_MAX_MS` default. Independent of `maxRetryDelayMs`.
   */
  readonly reconnectMaxMs?: number;
  /** Unacked messages handled at once. */
  readonly prefetch: number;
  /**
   * The work queue's `x-delivery-limit`: redeliveries without an ack (the
   * process died or lost its connection mid-message) before RabbitMQ
   * dead-letters the message. Default 20.
   */
  readonly deliveryLimit?: number;
  /** Bound on opening a TCP connection; default 10 s. */
  readonly connectTimeoutMs?: number;
  readonly logger: Logger;
  /** The process registry; the consumer metrics are registered on it. */
  readonly registry: Registry;
}

/** A running-or-not event consumer. */
export interface EventConsumer {
  /** Consumes until `signal` aborts, then lets in-flight messages finish; never throws. */
  run(signal: AbortSignal): Promise<void>;
  /**
   * Readiness probe `amqp:<consumer>`: passes while connected and consuming;
   * its detail is the reconnect state (`reconnectAttempt`, `retryInMs`...).
   */
  readonly readiness: ReadinessCheck;
  /** True while connected and consuming. */
  readonly connected: boolean;
  /** The queues and exchanges this consumer declares. */
  readonly topology: ConsumerTopology;
}

/** One connection's worth of state. */
interface Session {
  readonly connection: ChannelModel;
  readonly channel: ConfirmChannel;
  /** Resolves when the connection closes, for whatever reason. */
  readonly closed: Promise<void>;
  alive: boolean;
  /** Consumer tags, cancelled on shutdown. */
  readonly tags: string[];
}

const DEFAULT_DELIVERY_LIMIT = 20;
/** `last_error` and the retry header keep this many characters. */
const MAX_ERROR_LENGTH = 2_000;

const errorText = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, MAX_ERROR_LENGTH);

/**
 * The idempotent event consumer every consuming service uses. Per message:
 * decode the `EventEnvelope` (undecodable: straight to `dead_letter_events`);
 * then in one transaction insert the `processed_events` row (already there:
 * a duplicate, ack and skip) and run `handle`; commit, then ack.
 *
 * A failed attempt is re-published (confirmed) to the delay queue for that
 * attempt with the attempt count in a header, then acked: the delay queue's
 * TTL dead-letters it back to the work queue, so retries really wait and do
 * not block other messages. After `maxAttempts` the message goes to
 * `dead_letter_events` with its payload, headers and last error, for
 * {@link replayDeadLetters}. The work queue's `x-delivery-limit` and
 * dead-letter exchange catch messages that are never acked (a crash per
 * delivery); the consumer copies those into `dead_letter_events` too.
 *
 * The connection is re-opened with backoff capped at `reconnectMaxMs` when
 * lost (readiness fails meanwhile and shows the attempt count and the wait);
 * unacked messages come back and are deduplicated by `processed_events`.
 */
export function createEventConsumer(options: EventConsumerOptions): EventConsumer {
  const { db, logger, consumer, maxAttempts } = options;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) throw new Error("maxAttempts must be a positive integer");
  if (!(options.prefetch >= 1)) throw new Error("prefetch must be at least 1");
  const backoff: BackoffPolicy = { baseMs: options.retryDelayMs, maxMs: options.maxRetryDelayMs ?? 300_000 };
  const reconnect = createReconnectBackoff({ baseMs: options.retryDelayMs, maxMs: options.reconnectMaxMs ?? DEFAULT_AMQP_RECONNECT_MAX_MS });
  const deliveryLimit = options.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT;
  const topology = consumerTopology(options.queue, maxAttempts, backoff);
  let session: Session | undefined;
  let consuming = false;

  const metrics = createConsumerMetrics(options.registry, consumer, async () => {
    const current = session;
    if (!current?.alive) return undefined;
    // A separate channel: a failing check closes its channel, never the consumer's.
    const channel = await current.connection.createChannel();
    channel.on("error", () => {});
    try {
      return (await channel.checkQueue(topology.queue)).messageCount;
    } finally {
      await channel.close().catch(() => {});
    }
  });
  const labels = { consumer };

  /** Publishes on the session's confirm channel to a queue by name and waits for the confirm. */
  function publishToQueue(current: Session, queue: string, content: Buffer, properties: Options.Publish): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        current.channel.publish("", queue, content, properties, (err) => (err ? reject(err) : resolve()));
      } catch (err) {
        reject(err as Error);
      }
    });
  }

  /** Acks, unless the channel is gone (the message is then redelivered and deduplicated). */
  function ack(current: Session, message: ConsumeMessage): void {
    if (!current.alive) return;
    try {
      current.channel.ack(message);
    } catch {
      // channel closed under us: redelivery follows
    }
  }

  /** After a database or broker error on the failure path: wait, then hand the message back to RabbitMQ. */
  async function requeueLater(current: Session, message: ConsumeMessage, err: unknown): Promise<void> {
    logger.error({ err: errorText(err), queue: options.queue }, "cannot record a failed event; requeueing it");
    await sleep(backoff.baseMs);
    if (!current.alive) return;
    try {
      current.channel.nack(message, false, true);
    } catch {
      // channel closed: redelivery follows
    }
  }

  async function deadLetter(message: ConsumeMessage, letter: { eventId: string | null; eventType: string | null; error: string; attempts: number }) {
    await insertDeadLetter(db, {
      consumer,
      eventId: letter.eventId,
      eventType: letter.eventType,
      routingKey: originalRoutingKeyOf(message),
      payload: message.content,
      headers: headersForRecord(message),
      lastError: letter.error,
      attempts: letter.attempts,
    });
    metrics.deadLettered.inc(labels);
    logger.warn({ eventId: letter.eventId, eventType: letter.eventType, attempts: letter.attempts, error: letter.error }, "event dead-lettered");
  }

  async function onMessage(current: Session, message: ConsumeMessage): Promise<void> {
    const attempt = attemptsOf(message) + 1;
    if (attempt === 1 && message.properties.headers?.[REPLAYED_HEADER] !== undefined) metrics.replayed.inc(labels);
    const decoded = decodeDelivery(message);
    if (!decoded.ok) {
      try {
        await deadLetter(message, { eventId: decoded.eventId, eventType: decoded.eventType, error: decoded.error, attempts: attempt });
        ack(current, message);
      } catch (err) {
        await requeueLater(current, message, err);
      }
      return;
    }

    const { envelope } = decoded;
    let failure: string;
    try {
      const fresh = await db.transaction().execute(async (trx) => {
        if (!(await markEventProcessed(trx, { consumer, eventId: envelope.eventId, eventType: envelope.eventType }))) return false;
        await options.handle(envelope, trx);
        return true;
      });
      ack(current, message);
      (fresh ? metrics.processed : metrics.duplicates).inc(labels);
      return;
    } catch (err) {
      failure = errorText(err);
    }

    try {
      if (attempt >= maxAttempts) {
        await deadLetter(message, { eventId: envelope.eventId, eventType: envelope.eventType, error: failure, attempts: attempt });
      } else {
        const retry = topology.retryQueues[attempt - 1]!;
        const p = message.properties;
        await publishToQueue(current, retry.name, message.content, {
          persistent: true,
          messageId: p.messageId,
          type: p.type,
          contentType: p.contentType,
          timestamp: p.timestamp,
          appId: p.appId,
          correlationId: p.correlationId,
          headers: {
            ...carriedHeaders(message),
            [ATTEMPTS_HEADER]: attempt,
            [ORIGINAL_ROUTING_KEY_HEADER]: originalRoutingKeyOf(message),
            [LAST_ERROR_HEADER]: failure.slice(0, 500),
          },
        });
        metrics.retried.inc(labels);
        logger.warn({ eventId: envelope.eventId, eventType: envelope.eventType, attempt, retryInMs: retry.delayMs, error: failure }, "event handling failed; retrying");
      }
      ack(current, message);
    } catch (err) {
      await requeueLater(current, message, err);
    }
  }

  /** A message the work queue dead-lettered at its delivery limit: record it for replay. */
  async function onBrokerDeadLetter(current: Session, message: ConsumeMessage): Promise<void> {
    const decoded = decodeDelivery(message);
    const headers = message.properties.headers ?? {};
    const reason = String(headers["x-first-death-reason"] ?? "unknown");
    const deliveries = Number(headers["x-delivery-count"] ?? deliveryLimit);
    try {
      await deadLetter(message, {
        eventId: decoded.ok ? decoded.envelope.eventId : decoded.eventId,
        eventType: decoded.ok ? decoded.envelope.eventType : decoded.eventType,
        error: `RabbitMQ dead-lettered the message (${reason}; x-delivery-limit ${deliveryLimit}): it was delivered without an ack too often`,
        attempts: Number.isSafeInteger(deliveries) ? deliveries : deliveryLimit,
      });
      ack(current, message);
    } catch (err) {
      await requeueLater(current, message, err);
    }
  }

  async function open(inFlight: Set<Promise<void>>): Promise<Session> {
    const connection = await amqp.connect(options.amqpUrl, { timeout: options.connectTimeoutMs ?? 10_000 });
    connection.on("error", (err: Error) => logger.warn({ err: err.message }, "amqp connection error"));
    let markClosed!: () => void;
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    const current: Session = { connection, channel: undefined as unknown as ConfirmChannel, closed, alive: true, tags: [] };
    connection.on("close", () => {
      current.alive = false;
      markClosed();
    });
    try {
      const channel = await connection.createConfirmChannel();
      (current as { channel: ConfirmChannel }).channel = channel;
      channel.on("error", (err: Error) => logger.warn({ err: err.message }, "amqp channel error"));
      // The consumer's channel closing on its own (a channel error) means the session is over.
      channel.on("close", () => {
        if (!current.alive) return;
        current.alive = false;
        connection.close().catch(() => {});
      });
      await declareConsumerTopology(channel, { exchange: options.exchange, bindings: options.bindings, topology, deliveryLimit });
      await channel.prefetch(options.prefetch);
      const track = (work: Promise<void>) => {
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      };
      const work = await channel.consume(topology.queue, (message) => {
        if (message) track(onMessage(current, message).catch((err) => logger.error({ err }, "event consumer bug")));
      });
      const dead = await channel.consume(topology.deadLetterQueue, (message) => {
        if (message) track(onBrokerDeadLetter(current, message).catch((err) => logger.error({ err }, "event consumer bug")));
      });
      current.tags.push(work.consumerTag, dead.consumerTag);
      return current;
    } catch (err) {
      current.alive = false;
      await closeAmqpConnection(connection);
      throw err;
    }
  }

  async function run(signal: AbortSignal): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    while (!signal.aborted) {
      let current: Session;
      try {
        current = await open(inFlight);
      } catch (err) {
        const delay = reconnect.failed();
        logger.warn({ err: errorText(err), attempt: reconnect.attempts, retryInMs: delay }, "event consumer cannot reach RabbitMQ");
        await sleep(delay, signal);
        continue;
      }
      logger.info({ queue: options.queue, consumer, reconnected: reconnect.succeeded() > 0 }, "event consumer consuming");
      session = current;
      consuming = true;
      const aborted = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      await Promise.race([current.closed, aborted]);
      consuming = false;
      if (signal.aborted) {
        // Stop deliveries, let the messages in hand finish (their acks need the channel), then close.
        for (const tag of current.tags) await current.channel.cancel(tag).catch(() => {});
        await Promise.allSettled([...inFlight]);
        await closeAmqpConnection(current.connection);
      } else {
        logger.warn({ queue: options.queue }, "event consumer lost its RabbitMQ connection; reconnecting");
        await Promise.allSettled([...inFlight]);
      }
      session = undefined;
    }
  }

  return {
    run,
    topology,
    get connected() {
      return consuming;
    },
    readiness: {
      name: `amqp:${consumer}`,
      check: async () => {
        if (!consuming) throw new Error(`the event consumer ${consumer} is not consuming from RabbitMQ`);
      },
      detail: () => reconnect.status(),
    },
  };
}
