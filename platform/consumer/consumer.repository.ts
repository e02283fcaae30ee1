import { sql, type Kysely, type Transaction } from "kysely";
import type { ConsumerDatabase } from "./consumer.table.js";

const typed = (db: Kysely<any> | Transaction<any>) => db as Kysely<ConsumerDatabase>;

/**
 * Records that `consumer` processed `eventId`, inside the transaction of the
 * effect. Returns false when the row already exists (the event was processed
 * before: skip it). A concurrent delivery of the same event waits on the
 * first one's row lock and then sees the conflict, or inserts if it rolled back.
 */
export async function markEventProcessed(
  trx: Transaction<any>,
  row: { consumer: string; eventId: string; eventType: string },
): Promise<boolean> {
  const inserted = await typed(trx)
    .insertInto("processed_events")
    .values({ consumer: row.consumer, event_id: row.eventId, event_type: row.eventType })
    .onConflict((oc) => oc.columns(["consumer", "event_id"]).doNothing())
    .returning("event_id")
    .executeTakeFirst();
  return inserted !== undefined;
}

/** A message a consumer gave up on. */
export interface NewDeadLetter {
  readonly consumer: string;
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly routingKey: string;
  readonly payload: Uint8Array;
  readonly headers: Record<string, unknown>;
  readonly lastError: string;
  readonly attempts: number;
}

/** Inserts a `dead_letter_events` row. */
export async function insertDeadLetter(db: Kysely<any> | Transaction<any>, letter: NewDeadLetter): Promise<void> {
  await typed(db)
    .insertInto("dead_letter_events")
    .values({
      consumer: letter.consumer,
      event_id: letter.eventId,
      event_type: letter.eventType,
      routing_key: letter.routingKey,
      payload: letter.payload,
      headers: JSON.stringify(letter.headers),
      last_error: letter.lastError,
      attempts: letter.attempts,
    })
    .execute();
}

/** A dead letter as replay sees it. */
export interface DeadLetter {
  readonly id: string;
  readonly eventId: string | null;
  readonly consumer: string;
  readonly eventType: string | null;
  readonly routingKey: string;
  readonly payload: Uint8Array;
  readonly headers: Record<string, unknown>;
  readonly lastError: string;
  readonly attempts: number;
  readonly deadLetteredAt: Date;
}

/**
 * Locks up to `limit` unreplayed dead letters of `consumer` (only `ids`, when
 * given), oldest first, skipping rows another replay holds.
 */
export async function claimDeadLetters(
  trx: Transaction<any>,
  options: { consumer: string; limit: number; ids?: readonly string[] },
): Promise<DeadLetter[]> {
  let query = typed(trx)
    .selectFrom("dead_letter_events")
    .selectAll()
    .where("consumer", "=", options.consumer)
    .where("replayed_at", "is", null);
  if (options.ids) query = query.where(sql<string>`id::text`, "in", options.ids.length ? [...options.ids] : [""]);
  const rows = await query
    .orderBy("dead_lettered_at")
    .orderBy("id")
    .limit(options.limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return rows.map((row) => ({
    id: String(row.id),
    eventId: row.event_id,
    consumer: row.consumer,
    eventType: row.event_type,
    routingKey: row.routing_key,
    payload: row.payload,
    headers: row.headers,
    lastError: row.last_error,
    attempts: row.attempts,
    deadLetteredAt: row.dead_lettered_at,
  }));
}

/** Sets `replayed_at = now()` on the given dead letters. */
export async function markDeadLettersReplayed(trx: Transaction<any>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await typed(trx)
    .updateTable("dead_letter_events")
    .set({ replayed_at: sql<Date>`now()` })
    .where(sql<string>`id`, "in", ids as string[])
    .execute();
}
