import type { Kysely } from "kysely";
import { Registry } from "prom-client";
import { createSilentLogger } from "../../logging/index.js";
import type { TestAmqp } from "../../testing/index.js";
import { createEventConsumer, type EventConsumer, type EventConsumerOptions } from "../create-event-consumer.js";
import { consumerTopology, topologyNames } from "../consumer-topology.js";

/** A consumer running in the background of a test. */
export interface TestConsumer {
  readonly consumer: EventConsumer;
  /** The consumer's own registry, for metric assertions. */
  readonly registry: Registry;
  /** The value of a consumer_* counter for this consumer. */
  metric(name: string): Promise<number>;
  /** Aborts the loop and waits for it to return. */
  stop(): Promise<void>;
}

/**
 * Starts an event consumer with test-sized settings (3 attempts, 20 ms
 * retry delay, silent logs) unless overridden. The work queue is
 * `bus.name(queueSuffix)`; its dead-letter and delay queues are registered
 * with `bus` too, so the test's cleanup deletes them.
 */
export function startTestConsumer(
  bus: TestAmqp,
  options: { db: Kysely<any>; exchange: string; queueSuffix: string; handle: EventConsumerOptions["handle"] } & Partial<EventConsumerOptions>,
): TestConsumer {
  const registry = options.registry ?? new Registry();
  const maxAttempts = options.maxAttempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 20;
  const queue = bus.name(options.queueSuffix);
  const prefix = queue.slice(0, queue.length - options.queueSuffix.length);
  const topology = consumerTopology(queue, maxAttempts, { baseMs: retryDelayMs, maxMs: options.maxRetryDelayMs ?? 300_000 });
  for (const name of topologyNames(topology)) bus.name(name.slice(prefix.length));
  const consumer = createEventConsumer({
    amqpUrl: bus.url,
    bindings: ["#"],
    consumer: "test-consumer",
    prefetch: 10,
    logger: createSilentLogger(),
    ...options,
    queue,
    maxAttempts,
    retryDelayMs,
    registry,
  });
  const controller = new AbortController();
  const running = consumer.run(controller.signal);
  const label = options.consumer ?? "test-consumer";
  return {
    consumer,
    registry,
    async metric(name) {
      const metric = registry.getSingleMetric(name);
      return (await metric?.get())?.values.find((v) => v.labels.consumer === label)?.value ?? 0;
    },
    async stop() {
      controller.abort();
      await running;
    },
  };
}
