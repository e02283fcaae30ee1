import amqp from "amqplib";
import type { Kysely } from "kysely";
import { claimDeadLetters, markDeadLettersReplayed, type DeadLetter } from "./consumer.repository.js";
import { ATTEMPTS_HEADER, LAST_ERROR_HEADER, ORIGINAL_ROUTING_KEY_HEADER, PROPERTIES_KEY, REPLAYED_HEADER } from "./decode-delivery.js";

/** Options for {@link replayDeadLetters}. */
export interface ReplayDeadLettersOptions {
  /** Whose dead letters (the consumer name given to `createEventConsumer`). */
  readonly consumer: string;
  /** At most this many rows, oldest first. */
  readonly limit: number;
  /** Only these dead letters (ids as the table gives them); all of the consumer's when absent. */
  readonly ids?: readonly string[];
}

/** Puts one dead letter back in front of its consumer; resolves once the broker has it. */
export type DeadLetterPublisher = (letter: DeadLetter) => Promise<void>;

/**
 * Replays a consumer's unreplayed dead letters, oldest first: each is
 * handed to `publish` (normally {@link createQueueReplayPublisher}: back into
 * the consumer's own work queue, so only that consumer sees it again, with
 * fresh attempts) and the rows published are marked `replayed_at = now()` in
 * the same transaction that locked them (`FOR UPDATE SKIP LOCKED`, so
 * concurrent replays take different rows). A crash between publish and
 * commit replays a row twice, which changes nothing: the consumer's
 * `processed_events` deduplicates, as it does for an event that was in fact
 * processed since. A publish failure stops the run after marking the rows
 * already published, and is rethrown. Returns how many rows were replayed.
 */
export async function replayDeadLetters(db: Kysely<any>, options: ReplayDeadLettersOptions, publish: DeadLetterPublisher): Promise<number> {
  if (!Number.isSafeInteger(options.limit) || options.limit <= 0) throw new Error("limit must be a positive integer");
  return db.transaction().execute(async (trx) => {
    const letters = await claimDeadLetters(trx, options);
    const published: string[] = [];
    try {
      for (const letter of letters) {
        await publish(letter);
        published.push(letter.id);
      }
    } finally {
      await markDeadLettersReplayed(trx, published);
    }
    return published.length;
  });
}

/** A publisher of dead letters into one consumer queue. */
export interface QueueReplayPublisher {
  readonly publish: DeadLetterPublisher;
  close(): Promise<void>;
}

/**
 * Opens a confirm channel that publishes dead letters straight to `queue`
 * (through the default exchange, so no other consumer bound to the event
 * exchange sees them again): the stored payload, message id = event id, the
 * stored headers without the consumer's attempt bookkeeping, plus
 * `x-replayed` and the original routing key. The consumer then handles them
 * as first deliveries (with `maxAttempts` again).
 */
export async function createQueueReplayPublisher(options: { amqpUrl: string; queue: string }): Promise<QueueReplayPublisher> {
  const connection = await amqp.connect(options.amqpUrl, { timeout: 10_000 });
  connection.on("error", () => {});
  const channel = await connection.createConfirmChannel();
  channel.on("error", () => {});
  await channel.checkQueue(options.queue);
  return {
    publish: (letter) =>
      new Promise<void>((resolve, reject) => {
        const stored = { ...letter.headers };
        const properties = (stored[PROPERTIES_KEY] ?? {}) as Record<string, unknown>;
        for (const key of [PROPERTIES_KEY, ATTEMPTS_HEADER, LAST_ERROR_HEADER, "x-death", "x-first-death-reason", "x-first-death-queue", "x-first-death-exchange", "x-delivery-count"]) delete stored[key];
        const text = (key: string) => (typeof properties[key] === "string" ? (properties[key] as string) : undefined);
        try {
          channel.publish(
            "",
            options.queue,
            Buffer.from(letter.payload.buffer, letter.payload.byteOffset, letter.payload.byteLength),
            {
              persistent: true,
              messageId: letter.eventId ?? text("message-id"),
              type: letter.eventType ?? text("type"),
              contentType: text("content-type"),
              appId: text("app-id"),
              correlationId: text("correlation-id"),
              timestamp: typeof properties.timestamp === "number" ? properties.timestamp : undefined,
              headers: { ...stored, [REPLAYED_HEADER]: new Date().toISOString(), [ORIGINAL_ROUTING_KEY_HEADER]: letter.routingKey },
            },
            (err) => (err ? reject(err) : resolve()),
          );
        } catch (err) {
          reject(err as Error);
        }
      }),
    close: async () => {
      await connection.close().catch(() => {});
    },
  };
}

/** Options for {@link replayDeadLettersToQueue}. */
export interface ReplayToQueueOptions extends ReplayDeadLettersOptions {
  readonly amqpUrl: string;
  /** The consumer's own work queue. */
  readonly queue: string;
}

/**
 * What the replay commands and ReplayDeadLetters RPCs do: replays a
 * consumer's dead letters (oldest first, or only `ids`) back into its own work
 * queue through {@link createQueueReplayPublisher}. Returns how many were
 * replayed.
 */
export async function replayDeadLettersToQueue(db: Kysely<any>, options: ReplayToQueueOptions): Promise<number> {
  const publisher = await createQueueReplayPublisher({ amqpUrl: options.amqpUrl, queue: options.queue });
  try {
    const ids = options.ids?.length ? options.ids : undefined;
    return await replayDeadLetters(db, { consumer: options.consumer, limit: options.limit, ids }, publisher.publish);
  } finally {
    await publisher.close();
  }
}
