import amqp, { type ChannelModel, type ConfirmChannel, type Message } from "amqplib";
import type { Logger } from "pino";
import { closeAmqpConnection } from "./close-amqp-connection.js";
import type { ClaimedOutboxEvent } from "./outbox.repository.js";

/** The content type of every event on the bus: an encoded `wallet.events.v1.EventEnvelope`. */
export const EVENT_CONTENT_TYPE = "application/x-protobuf";

/** What became of one message of a batch. */
export type PublishOutcome =
  /** The broker confirmed it (and routed it, when publishing `mandatory`). */
  | { readonly eventId: string; readonly status: "confirmed" }
  /** The broker refused this message: nack, unroutable under `mandatory`, or a channel error it caused. */
  | { readonly eventId: string; readonly status: "failed"; readonly error: string }
  /** The connection went away before a confirm: it may or may not have arrived. */
  | { readonly eventId: string; readonly status: "unknown"; readonly error: string };

/** Options for {@link createAmqpPublisher}. */
export interface AmqpPublisherOptions {
  readonly url: string;
  /** Durable topic exchange, declared (idempotently) on every channel opened. */
  readonly exchange: string;
  /** Publish `mandatory`: a message no queue is bound for comes back and counts as failed. */
  readonly mandatory?: boolean;
  /** Waiting longer than this for a batch's confirms drops the connection; default 30 s. */
  readonly confirmTimeoutMs?: number;
  /** Bound on opening a TCP connection; default 10 s. */
  readonly connectTimeoutMs?: number;
  readonly logger: Logger;
}

/** A RabbitMQ publisher with publisher confirms, one connection and one confirm channel. */
export interface AmqpPublisher {
  /** True while the connection is open. */
  readonly connected: boolean;
  /** Opens the connection and channel and declares the exchange; throws when RabbitMQ does not answer. */
  connect(): Promise<void>;
  /**
   * Publishes every message (persistent; message id = event id, type =
   * event type, content type protobuf, timestamp = occurred at, headers with
   * producer and aggregate) and waits for the broker's confirms. Never
   * throws: each message gets an outcome.
   */
  publishBatch(messages: readonly ClaimedOutboxEvent[]): Promise<PublishOutcome[]>;
  /** Closes the connection (waiting at most 5 s); safe to call at any time. */
  close(): Promise<void>;
}

/**
 * Creates a publisher that tells three cases apart, which the relay treats
 * differently: confirmed (mark sent), refused by the broker (retry this
 * message with backoff, then dead-letter it) and connection lost (leave the
 * message pending as it was: it is no fault of the message).
 */
export function createAmqpPublisher(options: AmqpPublisherOptions): AmqpPublisher {
  const { exchange, logger } = options;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 30_000;
  let connection: ChannelModel | undefined;
  let channel: ConfirmChannel | undefined;

  async function openChannel(model: ChannelModel): Promise<ConfirmChannel> {
    const opened = await model.createConfirmChannel();
    opened.on("error", (err: Error) => logger.warn({ err: err.message }, "amqp channel error"));
    opened.on("close", () => {
      if (channel === opened) channel = undefined;
    });
    await opened.assertExchange(exchange, "topic", { durable: true });
    return opened;
  }

  async function connect(): Promise<void> {
    if (connection) return;
    const model = await amqp.connect(options.url, { timeout: options.connectTimeoutMs ?? 10_000 });
    model.on("error", (err: Error) => logger.warn({ err: err.message }, "amqp connection error"));
    model.on("close", () => {
      if (connection !== model) return;
      connection = undefined;
      channel = undefined;
      logger.warn("amqp connection closed");
    });
    try {
      channel = await openChannel(model);
    } catch (err) {
      await closeAmqpConnection(model);
      throw err;
    }
    connection = model;
  }

  /** Drops the connection without waiting for the broker, e.g. when confirms stop arriving. */
  function abandonConnection(): void {
    const model = connection;
    connection = undefined;
    channel = undefined;
    model?.close().catch(() => {});
  }

  async function publishBatch(messages: readonly ClaimedOutboxEvent[]): Promise<PublishOutcome[]> {
    const model = connection;
    if (!model) return messages.map((m) => ({ eventId: m.eventId, status: "unknown", error: "not connected" }));
    let target: ConfirmChannel;
    try {
      target = channel ?? (channel = await openChannel(model));
    } catch (err) {
      // A channel that cannot even be opened means the connection is in trouble.
      abandonConnection();
      return messages.map((m) => ({ eventId: m.eventId, status: "unknown", error: (err as Error).message }));
    }

    const returned = new Map<string, string>();
    let channelError: Error | undefined;
    const onReturn = (message: Message) => {
      const id = message.properties.messageId as string | undefined;
      const fields = message.fields as Message["fields"] & { replyText?: string };
      if (id) returned.set(id, `unroutable: no queue bound for ${fields.routingKey} (${fields.replyText ?? "NO_ROUTE"})`);
    };
    const onError = (err: Error) => (channelError = err);
    target.on("return", onReturn);
    target.on("error", onError);

    try {
      const confirms = messages.map(
        (message) =>
          new Promise<Error | null>((resolve) => {
            try {
              // The write buffer may report "full" (false): a batch is bounded, so we let it buffer.
              target.publish(
                exchange,
                message.routingKey,
                Buffer.from(message.payload.buffer, message.payload.byteOffset, message.payload.byteLength),
                {
                  persistent: true,
                  mandatory: options.mandatory ?? false,
                  messageId: message.eventId,
                  type: message.eventType,
                  contentType: EVENT_CONTENT_TYPE,
                  timestamp: Math.floor(message.occurredAt.getTime() / 1000),
                  appId: message.producer,
                  headers: {
                    producer: message.producer,
                    "aggregate-type": message.aggregateType,
                    "aggregate-id": message.aggregateId,
                    "occurred-at": message.occurredAt.toISOString(),
                  },
                },
                (err) => resolve(err ?? null),
              );
            } catch (err) {
              resolve(err as Error);
            }
          }),
      );
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), confirmTimeoutMs)));
      const settled = await Promise.race([Promise.all(confirms), timedOut]);
      clearTimeout(timer);
      if (settled === "timeout") {
        logger.warn({ confirmTimeoutMs }, "amqp confirms timed out; reconnecting");
        abandonConnection();
        return messages.map((m) => ({ eventId: m.eventId, status: "unknown", error: "confirm timed out" }));
      }

      // Channel and connection 'close' events have fired by now: a lost
      // connection shows as `connection !== model`.
      const connectionLost = connection !== model;
      return messages.map((message, index): PublishOutcome => {
        const err = settled[index] ?? null;
        const eventId = message.eventId;
        if (err === null) {
          const unroutable = returned.get(eventId);
          return unroutable ? { eventId, status: "failed", error: unroutable } : { eventId, status: "confirmed" };
        }
        if (connectionLost) return { eventId, status: "unknown", error: err.message };
        return { eventId, status: "failed", error: channelError?.message ?? err.message };
      });
    } finally {
      target.off("return", onReturn);
      target.off("error", onError);
    }
  }

  return {
    get connected() {
      return connection !== undefined;
    },
    connect,
    publishBatch,
    async close() {
      const model = connection;
      connection = undefined;
      channel = undefined;
      if (model) await closeAmqpConnection(model);
    },
  };
}
