import { fromBinary } from "@bufbuild/protobuf";
import type { ChannelModel, ConsumeMessage } from "amqplib";
import { EventEnvelopeSchema, type EventEnvelope } from "../../../gen/wallet/events/v1/envelope_pb.js";

/** One delivery as a test sees it. */
export interface CollectedEvent {
  readonly envelope: EventEnvelope;
  readonly message: ConsumeMessage;
}

/** A queue bound to the event exchange, recording every delivery. */
export interface EventCollector {
  /** Every delivery in arrival order, duplicates included. */
  readonly received: readonly CollectedEvent[];
  /** Distinct message ids (event ids) received. */
  readonly distinctIds: ReadonlySet<string>;
  /** Deliveries beyond the first of their event id. */
  readonly duplicates: number;
  /** Resolves once `distinctIds` holds every id given (or `count` distinct ids); rejects after `timeoutMs`. */
  waitFor(target: { ids?: Iterable<string>; count?: number }, timeoutMs?: number): Promise<void>;
  /** Cancels the consumer and closes its channel (the queue is left to the test's cleanup). */
  close(): Promise<void>;
}

/**
 * Declares the durable topic `exchange` and `queue`, binds the queue with
 * `bindingKey` (e.g. "ledger.#") and consumes it without acks, decoding
 * every message as an `EventEnvelope`. For relay and consumer tests.
 */
export async function collectEvents(
  connection: ChannelModel,
  options: { exchange: string; queue: string; bindingKey: string },
): Promise<EventCollector> {
  const channel = await connection.createChannel();
  channel.on("error", () => {});
  await channel.assertExchange(options.exchange, "topic", { durable: true });
  await channel.assertQueue(options.queue, { durable: false, autoDelete: false });
  await channel.bindQueue(options.queue, options.exchange, options.bindingKey);

  const received: CollectedEvent[] = [];
  const distinctIds = new Set<string>();
  let duplicates = 0;
  const waiters = new Set<() => void>();
  const { consumerTag } = await channel.consume(
    options.queue,
    (message) => {
      if (!message) return;
      const envelope = fromBinary(EventEnvelopeSchema, message.content);
      received.push({ envelope, message });
      const id = String(message.properties.messageId);
      if (distinctIds.has(id)) duplicates++;
      else distinctIds.add(id);
      for (const check of waiters) check();
    },
    { noAck: true },
  );

  return {
    received,
    distinctIds,
    get duplicates() {
      return duplicates;
    },
    waitFor(target, timeoutMs = 30_000) {
      const ids = target.ids ? [...target.ids] : [];
      const done = () => ids.every((id) => distinctIds.has(id)) && distinctIds.size >= (target.count ?? 0);
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!done()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const missing = ids.filter((id) => !distinctIds.has(id)).length;
          reject(new Error(`timed out after ${timeoutMs} ms: ${distinctIds.size} distinct events received, ${missing} awaited ids missing`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      await channel.cancel(consumerTag).catch(() => {});
      await channel.close().catch(() => {});
    },
  };
}
