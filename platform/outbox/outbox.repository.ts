import { sql, type Kysely, type Transaction } from "kysely";
import { envelopeBytes } from "./envelope-bytes.js";
import type { OutboxDatabase, OutboxStatus } from "./outbox.table.js";

/** A claimed row: what the relay needs to publish it. */
export interface ClaimedOutboxEvent {
  readonly eventId: string;
  readonly producer: string;
  readonly eventType: string;
  readonly routingKey: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  /** The binary envelope (empty when `unencodable`). */
  readonly payload: Uint8Array;
  readonly occurredAt: Date;
  /** Failed publish attempts so far. */
  readonly attempts: number;
  /** Why a proto3 JSON payload could not be encoded: the row can never be published. */
  readonly unencodable?: string;
}

/** A publish failure to record on one row. */
export interface OutboxFailure {
  readonly eventId: string;
  /** Attempts including this one. */
  readonly attempts: number;
  readonly error: string;
  /** Delay before the next attempt; ignored when `dead`. */
  readonly retryInMs: number;
  /** True when this was the last allowed attempt. */
  readonly dead: boolean;
}

/** Pending rows of one producer: how many, and how long the oldest has waited. */
export interface OutboxBacklog {
  readonly producer: string;
  readonly pending: number;
  readonly oldestAgeSeconds: number;
}

const typed = (db: Kysely<any> | Transaction<any>) => db as Kysely<OutboxDatabase>;

/**
 * Locks up to `limit` due pending rows, oldest first, skipping rows another
 * relay holds (`FOR UPDATE SKIP LOCKED`), so relays never publish the same
 * row at once. The locks last until `trx` ends.
 */
export async function claimDueOutboxEvents(
  trx: Transaction<any>,
  options: { limit: number; producer?: string },
): Promise<ClaimedOutboxEvent[]> {
  let query = typed(trx)
    .selectFrom("outbox_events")
    .select([
      "event_id",
      "producer",
      "event_type",
      "routing_key",
      "aggregate_type",
      "aggregate_id",
      "payload",
      "payload_json",
      "occurred_at",
      "attempts",
    ])
    .where("status", "=", "pending")
    .where("next_attempt_at", "<=", sql<Date>`now()`);
  if (options.producer !== undefined) query = query.where("producer", "=", options.producer);
  const rows = await query.orderBy("created_at").limit(options.limit).forUpdate().skipLocked().execute();
  return rows.map((row) => ({
    ...encodedPayload(row),
    eventId: row.event_id,
    producer: row.producer,
    eventType: row.event_type,
    routingKey: row.routing_key,
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    occurredAt: row.occurred_at,
    attempts: row.attempts,
  }));
}

function encodedPayload(row: Parameters<typeof envelopeBytes>[0]): { payload: Uint8Array; unencodable?: string } {
  try {
    return { payload: envelopeBytes(row) };
  } catch (err) {
    return { payload: new Uint8Array(), unencodable: `payload_json is not an EventEnvelope: ${(err as Error).message}` };
  }
}

/** Marks rows published (confirmed by the broker). */
export async function markOutboxEventsSent(trx: Transaction<any>, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await typed(trx)
    .updateTable("outbox_events")
    .set({ status: "sent", sent_at: sql<Date>`now()` })
    .where("event_id", "=", sql<string>`ANY(${[...eventIds]}::uuid[])`)
    .execute();
}

/**
 * Records failed attempts: each row gets its attempt count, the error and
 * either its next attempt time (now + delay) or status `dead`.
 */
export async function recordOutboxFailures(trx: Transaction<any>, failures: readonly OutboxFailure[]): Promise<void> {
  for (const failure of failures) {
    const status: OutboxStatus = failure.dead ? "dead" : "pending";
    await typed(trx)
      .updateTable("outbox_events")
      .set({
        status,
        attempts: failure.attempts,
        last_error: failure.error.slice(0, 2000),
        next_attempt_at: sql<Date>`now() + ${failure.dead ? 0 : failure.retryInMs} * interval '1 millisecond'`,
      })
      .where("event_id", "=", failure.eventId)
      .execute();
  }
}

/** Pending rows per producer (all producers, or the one given), for the backlog gauges. */
export async function readOutboxBacklog(db: Kysely<any>, producer?: string): Promise<OutboxBacklog[]> {
  let query = typed(db)
    .selectFrom("outbox_events")
    .select([
      "producer",
      sql<string>`count(*)`.as("pending"),
      sql<number>`coalesce(extract(epoch from now() - min(created_at)), 0)::float8`.as("oldest_age_seconds"),
    ])
    .where("status", "=", "pending");
  if (producer !== undefined) query = query.where("producer", "=", producer);
  const rows = await query.groupBy("producer").execute();
  return rows.map((row) => ({
    producer: row.producer,
    pending: Number(row.pending),
    oldestAgeSeconds: Math.max(0, Number(row.oldest_age_seconds)),
  }));
}
