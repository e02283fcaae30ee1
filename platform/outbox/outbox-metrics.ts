import { Counter, Gauge, type Registry } from "prom-client";
import type { OutboxBacklog } from "./outbox.repository.js";

/** The relay's counters; the backlog gauges read the table when scraped. */
export interface OutboxMetrics {
  /** outbox_published_total{producer}: rows the broker confirmed. */
  readonly published: Counter<"producer">;
  /** outbox_publish_failures_total{producer}: failed attempts (nack, unroutable, channel error). */
  readonly failures: Counter<"producer">;
  /** outbox_dead_total{producer}: rows given up on after their last attempt. */
  readonly dead: Counter<"producer">;
}

/** A scrape reuses a backlog reading this recent, so both gauges cost one query. */
const BACKLOG_READING_TTL_MS = 1_000;

/** Returns the metric already registered under `name`, or registers a new one. */
function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * Registers the outbox metrics on the process registry (idempotent per
 * registry). `outbox_backlog{producer}` and
 * `outbox_oldest_pending_age_seconds{producer}` are read from the database at
 * scrape time, so they keep moving while the relay cannot publish; a failed
 * reading leaves the previous values. `producers` lists producers that
 * always get a series (0 when nothing is pending).
 */
export function createOutboxMetrics(
  registry: Registry,
  readBacklog: () => Promise<OutboxBacklog[]>,
  producers: readonly string[] = [],
): OutboxMetrics {
  let reading: { at: number; value: Promise<OutboxBacklog[]> } | undefined;
  const backlog = () => {
    const now = Date.now();
    if (!reading || now - reading.at > BACKLOG_READING_TTL_MS) reading = { at: now, value: readBacklog() };
    return reading.value;
  };
  const collectInto = (gauge: Gauge<"producer">, pick: (row: OutboxBacklog) => number) => async () => {
    let rows: OutboxBacklog[];
    try {
      rows = await backlog();
    } catch {
      return; // the database is away: /readyz says so; keep the last values
    }
    gauge.reset();
    for (const producer of producers) gauge.set({ producer }, 0);
    for (const row of rows) gauge.set({ producer: row.producer }, pick(row));
  };

  once(registry, "outbox_backlog", () => {
    const gauge: Gauge<"producer"> = new Gauge({
      name: "outbox_backlog",
      help: "Outbox rows waiting to be published (pending, including those backing off).",
      labelNames: ["producer"] as const,
      registers: [registry],
      collect: () => collectInto(gauge, (row) => row.pending)(),
    });
    return gauge;
  });
  once(registry, "outbox_oldest_pending_age_seconds", () => {
    const gauge: Gauge<"producer"> = new Gauge({
      name: "outbox_oldest_pending_age_seconds",
      help: "Age in seconds of the oldest pending outbox row; 0 when none is pending.",
      labelNames: ["producer"] as const,
      registers: [registry],
      collect: () => collectInto(gauge, (row) => row.oldestAgeSeconds)(),
    });
    return gauge;
  });
  const counter = (name: string, help: string) =>
    once(registry, name, () => new Counter({ name, help, labelNames: ["producer"] as const, registers: [registry] }));
  return {
    published: counter("outbox_published_total", "Outbox rows published and confirmed by RabbitMQ."),
    failures: counter("outbox_publish_failures_total", "Failed publish attempts of outbox rows (nack, unroutable, channel error)."),
    dead: counter("outbox_dead_total", "Outbox rows dead-lettered after their last allowed attempt."),
  };
}
