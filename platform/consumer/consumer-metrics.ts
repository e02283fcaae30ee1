import { Counter, Gauge, type Registry } from "prom-client";

/** The consumer's counters, labelled `consumer`. */
export interface ConsumerMetrics {
  /** consumer_processed_total: events whose effect committed. */
  readonly processed: Counter<"consumer">;
  /** consumer_duplicates_total: deliveries of events already processed, acked and skipped. */
  readonly duplicates: Counter<"consumer">;
  /** consumer_retried_total: failed attempts sent to a delay queue. */
  readonly retried: Counter<"consumer">;
  /** consumer_dead_lettered_total: messages written to `dead_letter_events`. */
  readonly deadLettered: Counter<"consumer">;
  /** consumer_replayed_total: replayed dead letters received again. */
  readonly replayed: Counter<"consumer">;
}

/** Lag readers per registry and consumer, read by the one `consumer_lag` gauge at scrape time. */
const lagReaders = new WeakMap<Registry, Map<string, () => Promise<number | undefined>>>();

/** Returns the metric already registered under `name`, or registers a new one. */
function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * Registers the consumer metrics on `registry` (idempotent per registry) and
 * the lag reader of `consumer`: `consumer_lag{consumer}` is the work queue's
 * ready-message count, asked of RabbitMQ when scraped; an unanswered reading
 * leaves the series out.
 */
export function createConsumerMetrics(
  registry: Registry,
  consumer: string,
  readLag: () => Promise<number | undefined>,
): ConsumerMetrics {
  let readers = lagReaders.get(registry);
  if (!readers) lagReaders.set(registry, (readers = new Map()));
  readers.set(consumer, readLag);
  const known = readers;
  once(registry, "consumer_lag", () => {
    const gauge: Gauge<"consumer"> = new Gauge({
      name: "consumer_lag",
      help: "Messages ready in the consumer's work queue (not yet delivered), read from RabbitMQ at scrape time.",
      labelNames: ["consumer"] as const,
      registers: [registry],
      async collect() {
        gauge.reset();
        await Promise.all(
          [...known].map(async ([name, read]) => {
            const value = await read().catch(() => undefined);
            if (value !== undefined) gauge.set({ consumer: name }, value);
          }),
        );
      },
    });
    return gauge;
  });
  const counter = (name: string, help: string) =>
    once(registry, name, () => new Counter({ name, help, labelNames: ["consumer"] as const, registers: [registry] }));
  const metrics = {
    processed: counter("consumer_processed_total", "Events whose handler's effect committed."),
    duplicates: counter("consumer_duplicates_total", "Deliveries of events already processed (acked and skipped)."),
    retried: counter("consumer_retried_total", "Failed handling attempts scheduled for a retry."),
    deadLettered: counter("consumer_dead_lettered_total", "Messages given up on and written to dead_letter_events."),
    replayed: counter("consumer_replayed_total", "Replayed dead letters received by the consumer."),
  };
  // Series at 0 from the start, so rates and alerts work before the first event.
  for (const c of Object.values(metrics)) c.inc({ consumer }, 0);
  return metrics;
}
