import type { Channel } from "amqplib";
import { backoffCeilingMs, type BackoffPolicy } from "../outbox/backoff.js";

/** The RabbitMQ objects of one consumer queue. */
export interface ConsumerTopology {
  /** The quorum work queue bound to the event exchange. */
  readonly queue: string;
  /** Fanout exchange the work queue dead-letters to when a message passes `x-delivery-limit`. */
  readonly deadLetterExchange: string;
  /** Queue behind `deadLetterExchange`; the consumer copies its messages into `dead_letter_events`. */
  readonly deadLetterQueue: string;
  /** One delay queue per distinct retry delay, in attempt order: `retryQueues[i]` holds retries after failed attempt i+1. */
  readonly retryQueues: readonly { readonly name: string; readonly delayMs: number }[];
}

/** The retry delay after failed attempt `attempt` (1-based): exponential, no jitter (a queue TTL is fixed). */
export function retryDelayMs(policy: BackoffPolicy, attempt: number): number {
  return Math.max(1, Math.round(backoffCeilingMs(policy, attempt)));
}

/**
 * Names everything a consumer queue needs: `<queue>.dlx`, `<queue>.dead`
 * and `<queue>.retry.<delayMs>` for each distinct delay of attempts 1 to
 * maxAttempts-1. Naming the delay queues by their TTL means a changed delay
 * declares new queues instead of failing on a queue argument mismatch.
 */
export function consumerTopology(queue: string, maxAttempts: number, backoff: BackoffPolicy): ConsumerTopology {
  const retryQueues: { name: string; delayMs: number }[] = [];
  for (let attempt = 1; attempt < maxAttempts; attempt++) {
    const delayMs = retryDelayMs(backoff, attempt);
    retryQueues.push({ name: `${queue}.retry.${delayMs}`, delayMs });
  }
  return { queue, deadLetterExchange: `${queue}.dlx`, deadLetterQueue: `${queue}.dead`, retryQueues };
}

/** Every queue and exchange name of a topology, e.g. to delete them in tests. */
export function topologyNames(topology: ConsumerTopology): string[] {
  return [...new Set([topology.queue, topology.deadLetterExchange, topology.deadLetterQueue, ...topology.retryQueues.map((q) => q.name)])];
}

/**
 * Declares (idempotently) the event exchange and the consumer's queues:
 *
 * - the work queue: quorum, with `x-delivery-limit` and `x-dead-letter-exchange`
 *   set explicitly (RabbitMQ 3.10 quorum queues have no default limit), so a
 *   message that keeps getting redelivered without an ack (the process dies
 *   while handling it) ends in the dead-letter queue instead of looping;
 * - the dead-letter exchange (fanout) and queue;
 * - each delay queue: quorum, no consumers, `x-message-ttl` = its delay, and
 *   dead-lettering at least once through the default exchange back to the
 *   work queue. One queue per delay keeps every message in a queue with the
 *   same TTL, so none waits behind a longer one.
 */
export async function declareConsumerTopology(
  channel: Channel,
  options: { exchange: string; bindings: readonly string[]; topology: ConsumerTopology; deliveryLimit: number },
): Promise<void> {
  const { topology } = options;
  await channel.assertExchange(options.exchange, "topic", { durable: true });
  await channel.assertExchange(topology.deadLetterExchange, "fanout", { durable: true });
  await channel.assertQueue(topology.deadLetterQueue, { durable: true, arguments: { "x-queue-type": "quorum" } });
  await channel.bindQueue(topology.deadLetterQueue, topology.deadLetterExchange, "");
  await channel.assertQueue(topology.queue, {
    durable: true,
    arguments: {
      "x-queue-type": "quorum",
      "x-delivery-limit": options.deliveryLimit,
      "x-dead-letter-exchange": topology.deadLetterExchange,
    },
  });
  for (const binding of options.bindings) await channel.bindQueue(topology.queue, options.exchange, binding);
  for (const retry of topology.retryQueues) {
    await channel.assertQueue(retry.name, {
      durable: true,
      arguments: {
        "x-queue-type": "quorum",
        "x-message-ttl": retry.delayMs,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": topology.queue,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
      },
    });
  }
}
