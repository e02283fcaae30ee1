/**
 * The exporter's metrics, registered on the process registry at start-up so
 * every series is on /metrics before the first batch. The alert rules and
 * dashboards (infra/monitoring) are written against these exact names.
 *
 * Gauges the leader moves (lag, backlog) read 0 on a standby. Figures kept in
 * the database (dead letters, replays, last success) are read from it when
 * scraped, so every replica shows the same values, the replay command's
 * work included: aggregate them with max(), not sum().
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { registeredCounter } from "#platform/metrics/index.js";
import { STATUS_CLASSES, type StatusClass } from "./domain/delivery-outcome.js";
import type { ExportStatus } from "./storage/export.repository.js";

/** How a batch's attempt ended, as `audit_export_batches_total` counts it. */
export type BatchOutcome = "delivered" | "retried" | "dead_lettered";

/** The instruments the exporter moves. */
export interface ExportMetrics {
  /** Counts a batch outcome. */
  batch(outcome: BatchOutcome): void;
  /** Observes one webhook request's duration. */
  request(statusClass: StatusClass, durationMs: number): void;
  /** The leader's view of the log: entries after the cursor, and when the oldest of them was written (undefined: caught up). */
  position(backlog: bigint, oldestUnexportedAt: Date | undefined): void;
  /** Whether this process exports; a standby's lag and backlog read 0. */
  leader(isLeader: boolean): void;
}

/** A scrape reuses a database reading this recent. */
const STATUS_READING_TTL_MS = 1_000;

/** Request durations in seconds, from a local sink to a receiver near its timeout. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Registers every metric on `registry`; `readStatus` reads the database figures when scraped. */
export function createExportMetrics(registry: Registry, readStatus: () => Promise<ExportStatus>, clock: () => Date = () => new Date()): ExportMetrics {
  let reading: { at: number; value: Promise<ExportStatus | undefined> } | undefined;
  const status = () => {
    const now = Date.now();
    if (!reading || now - reading.at > STATUS_READING_TTL_MS) {
      reading = { at: now, value: readStatus().catch(() => undefined) }; // the database is away: /readyz says so; keep the last values
    }
    return reading.value;
  };
  let oldest: Date | undefined;
  let backlogEntries = 0;
  let isLeader = false;

  new Gauge({
    name: "audit_export_lag_seconds",
    help: "Seconds between now and the oldest audit entry not exported yet; 0 when caught up (and on a standby).",
    registers: [registry],
    collect() {
      this.set(isLeader && oldest ? Math.max(0, (clock().getTime() - oldest.getTime()) / 1000) : 0);
    },
  });
  new Gauge({
    name: "audit_export_backlog_entries",
    help: "Audit entries after the export cursor (head position minus cursor); 0 on a standby.",
    registers: [registry],
    collect() {
      this.set(isLeader ? backlogEntries : 0);
    },
  });
  new Gauge({
    name: "audit_export_last_success_timestamp_seconds",
    help: "Unix time of the last batch the webhook accepted; 0 before the first.",
    registers: [registry],
    async collect() {
      const read = await status();
      if (read) this.set(read.lastDeliveredAt ? read.lastDeliveredAt.getTime() / 1000 : 0);
    },
  });
  new Gauge({
    name: "audit_export_dead_letters",
    help: "Dead-lettered batches not replayed yet.",
    registers: [registry],
    async collect() {
      const read = await status();
      if (read) this.set(read.deadLetters);
    },
  });
  const replays = new Counter({
    name: "audit_export_replays_total",
    help: "Dead-lettered batches sent again by the replay command, by outcome (delivered, failed).",
    labelNames: ["outcome"] as const,
    registers: [registry],
    async collect() {
      const read = await status();
      if (!read) return;
      replays.reset();
      replays.inc({ outcome: "delivered" }, read.replaysDelivered);
      replays.inc({ outcome: "failed" }, read.replaysFailed);
    },
  });
  replays.inc({ outcome: "delivered" }, 0);
  replays.inc({ outcome: "failed" }, 0);

  const batches = registeredCounter(registry, {
    name: "audit_export_batches_total",
    help: "Batch attempts by outcome: delivered (2xx), retried (a failure that will be tried again), dead_lettered.",
    label: "outcome",
    values: ["delivered", "retried", "dead_lettered"] satisfies BatchOutcome[],
  });

  const duration = new Histogram({
    name: "audit_export_request_duration_seconds",
    help: "Seconds one webhook request took, by the answer's status class (error: timeout or no connection).",
    labelNames: ["status_class"] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  for (const statusClass of STATUS_CLASSES) duration.zero({ status_class: statusClass });

  const leaderGauge = new Gauge({
    name: "audit_export_leader",
    help: "1 while this process holds the export lock and exports, 0 on a standby.",
    registers: [registry],
  });
  leaderGauge.set(0);

  return {
    batch: (outcome) => batches.inc({ outcome }),
    request: (statusClass, durationMs) => duration.observe({ status_class: statusClass }, durationMs / 1000),
    position(backlog, oldestUnexportedAt) {
      backlogEntries = Number(backlog);
      oldest = oldestUnexportedAt;
    },
    leader(value) {
      isLeader = value;
      leaderGauge.set(value ? 1 : 0);
    },
  };
}
