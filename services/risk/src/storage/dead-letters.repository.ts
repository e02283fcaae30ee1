import { sql, type Kysely } from "kysely";

/** Where a dead letter is: waiting, replayed, or waiting again after a replay failed (a newer row of the same event). */
export type DeadLetterStatus = "PENDING" | "REPLAYED" | "FAILED_AGAIN";

/** A dead letter as the RPCs show it. */
export interface DeadLetterView {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly payload: Uint8Array;
  readonly lastError: string;
  readonly attempts: number;
  readonly deadLetteredAt: Date;
  readonly replayedAt?: Date;
  readonly status: DeadLetterStatus;
}

interface Row {
  id: string | bigint;
  event_id: string | null;
  event_type: string | null;
  payload: Uint8Array;
  last_error: string;
  attempts: number;
  dead_lettered_at: Date;
  replayed_at: Date | null;
  status: DeadLetterStatus;
}

/**
 * A page of one consumer's dead letters, oldest first (by id), after
 * `afterId`. FAILED_AGAIN: unreplayed, and an older row of the same event
 * was replayed (the consumer dead-lettered it again).
 */
export async function listDeadLetters(
  db: Kysely<any>,
  filter: { consumer: string; status?: DeadLetterStatus; afterId?: bigint; limit: number },
): Promise<DeadLetterView[]> {
  const rows = await sql<Row>`
    SELECT * FROM (
      SELECT d.id, d.event_id, d.event_type, d.payload, d.last_error, d.attempts, d.dead_lettered_at, d.replayed_at,
        CASE
          WHEN d.replayed_at IS NOT NULL THEN 'REPLAYED'
          WHEN EXISTS (
            SELECT 1 FROM dead_letter_events e
            WHERE e.consumer = d.consumer AND e.event_id = d.event_id AND e.id < d.id AND e.replayed_at IS NOT NULL
          ) THEN 'FAILED_AGAIN'
          ELSE 'PENDING'
        END AS status
      FROM dead_letter_events d
      WHERE d.consumer = ${filter.consumer} AND d.id > ${String(filter.afterId ?? 0n)}::int8
    ) letters
    WHERE ${filter.status ?? null}::text IS NULL OR status = ${filter.status ?? null}::text
    ORDER BY id
    LIMIT ${filter.limit}
  `.execute(db);
  return rows.rows.map((row) => ({
    id: String(row.id),
    eventId: row.event_id ?? "",
    eventType: row.event_type ?? "",
    payload: row.payload,
    lastError: row.last_error,
    attempts: row.attempts,
    deadLetteredAt: row.dead_lettered_at,
    replayedAt: row.replayed_at ?? undefined,
    status: row.status,
  }));
}

/** How many of a consumer's dead letters wait for replay. */
export async function countPendingDeadLetters(db: Kysely<any>, consumer: string): Promise<number> {
  const row = await sql<{ n: string }>`SELECT count(*) AS n FROM dead_letter_events WHERE consumer = ${consumer} AND replayed_at IS NULL`.execute(db);
  return Number(row.rows[0]!.n);
}
