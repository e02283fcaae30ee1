import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { ChannelName } from "../storage/notification.table.js";

/** What one delivery attempt came to. */
export type DeliveryOutcome = "sent" | "failed" | "dead_lettered" | "rate_limited" | "circuit_open";

/** The delivery worker's metrics. */
export interface DeliveryMetrics {
  /** notification_deliveries_total{channel,provider,outcome}. */
  readonly deliveries: Counter<"channel" | "provider" | "outcome">;
  /** notification_delivery_latency_seconds{channel}: queued to accepted by the provider. */
  readonly latency: Histogram<"channel">;
}

/** Returns the metric already registered under `name`, or registers a new one. */
function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** Latency buckets from sub-second sends to retries that took hours. */
const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400];

/**
 * Registers the delivery metrics on the process registry (idempotent per
 * registry). `notification_queued{channel}` reads the due rows from the
 * database when scraped; a failed reading keeps the previous values.
 */
export function createDeliveryMetrics(
  registry: Registry,
  readDue: () => Promise<Array<{ channel: ChannelName; due: number }>>,
): DeliveryMetrics {
  once(registry, "notification_queued", () => {
    const gauge: Gauge<"channel"> = new Gauge({
      name: "notification_queued",
      help: "Notifications due for delivery now (queued or waiting for a retry whose time has come).",
      labelNames: ["channel"] as const,
      registers: [registry],
      async collect() {
        let rows: Array<{ channel: ChannelName; due: number }>;
        try {
          rows = await readDue();
        } catch {
          return; // the database is away: /readyz says so
        }
        for (const channel of ["EMAIL", "SMS", "PUSH"] as const) gauge.set({ channel }, 0);
        for (const row of rows) gauge.set({ channel: row.channel }, row.due);
      },
    });
    return gauge;
  });
  return {
    deliveries: once(
      registry,
      "notification_deliveries_total",
      () =>
        new Counter({
          name: "notification_deliveries_total",
          help: "Delivery attempts by outcome: sent, failed (retried), dead_lettered; rate_limited and circuit_open (postponed, no attempt counted).",
          labelNames: ["channel", "provider", "outcome"] as const,
          registers: [registry],
        }),
    ),
    latency: once(
      registry,
      "notification_delivery_latency_seconds",
      () =>
        new Histogram({
          name: "notification_delivery_latency_seconds",
          help: "Seconds from a notification being queued to its provider accepting it.",
          labelNames: ["channel"] as const,
          buckets: LATENCY_BUCKETS,
          registers: [registry],
        }),
    ),
  };
}

/** notification_dead_letters_replayed_total{channel}, counted where replays happen (the API). */
export function deadLettersReplayedCounter(registry: Registry): Counter<"channel"> {
  return once(
    registry,
    "notification_dead_letters_replayed_total",
    () =>
      new Counter({
        name: "notification_dead_letters_replayed_total",
        help: "Dead-lettered notifications re-queued by ReplayDeadLetters.",
        labelNames: ["channel"] as const,
        registers: [registry],
      }),
  );
}
