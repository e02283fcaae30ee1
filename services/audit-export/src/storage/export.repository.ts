/** Kysely queries of the exporter's state: cursor, pending batch, dead letters. */
import { sql, type Kysely, type Transaction } from "kysely";
import type { ExportBatch } from "../domain/export-batch.js";
import type { AuditExportDatabase } from "./audit-export.table.js";

type Db = Kysely<AuditExportDatabase> | Transaction<AuditExportDatabase>;

/** Where the export stands: the last position handed over and the hash there. */
export interface ExportCursor {
  readonly position: bigint;
  readonly hash: string;
  readonly lastDeliveredAt: Date | null;
}

/** The batch being sent. */
export interface PendingBatch {
  readonly batchId: string;
  readonly firstPosition: bigint;
  readonly lastPosition: bigint;
  readonly attempts: number;
}

/** A dead-lettered batch as the replay command sends it again. */
export interface DeadLetter {
  readonly batchId: string;
  readonly firstPosition: bigint;
  readonly lastPosition: bigint;
  readonly body: string;
}

/** What a dead letter records about the batch and its last failure. */
export interface DeadLetterRecord {
  readonly batch: ExportBatch;
  readonly attempts: number;
  readonly lastStatus: number | undefined;
  readonly lastError: string;
}

/** The figures the metrics read when scraped. */
export interface ExportStatus {
  /** Dead letters not replayed yet. */
  readonly deadLetters: number;
  /** Dead letters a replay delivered, ever. */
  readonly replaysDelivered: number;
  /** Replay attempts that failed, ever. */
  readonly replaysFailed: number;
  readonly lastDeliveredAt: Date | null;
}

/** The cursor (its row exists from the migration on). */
export async function readCursor(db: Db): Promise<ExportCursor> {
  const row = await db.selectFrom("export_cursor").select(["position", "entry_hash", "last_delivered_at"]).executeTakeFirstOrThrow();
  return { position: row.position, hash: row.entry_hash, lastDeliveredAt: row.last_delivered_at };
}

/** The pending batch, if one is being sent. */
export async function readPendingBatch(db: Db): Promise<PendingBatch | undefined> {
  const row = await db.selectFrom("export_pending_batch").select(["batch_id", "first_position", "last_position", "attempts"]).executeTakeFirst();
  return row && { batchId: row.batch_id, firstPosition: row.first_position, lastPosition: row.last_position, attempts: row.attempts };
}

/** Records `batch` as the one being sent, before its first attempt; false when another exporter already recorded one. */
export async function startPendingBatch(db: Db, batch: ExportBatch): Promise<boolean> {
  const inserted = await db
    .insertInto("export_pending_batch")
    .values({ batch_id: batch.id, first_position: batch.firstPosition, last_position: batch.lastPosition, last_error: null })
    .onConflict((oc) => oc.column("singleton").doNothing())
    .executeTakeFirst();
  return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Counts a failed attempt of the pending batch (there is at most one) and keeps its (scrubbed) error. */
export async function recordFailedAttempt(db: Db, batchId: string, attempts: number, error: string): Promise<void> {
  await db.updateTable("export_pending_batch").set({ batch_id: batchId, attempts, last_error: error, updated_at: sql`now()` }).execute();
}

/**
 * Moves the cursor from `from` to the end of `batch` and clears the pending
 * batch, in `trx`. Compare-and-set: answers false (and changes nothing) when
 * the cursor is no longer at `from`, i.e. another exporter got there first.
 */
async function handOver(trx: Transaction<AuditExportDatabase>, batch: ExportBatch, from: bigint, delivered: boolean): Promise<boolean> {
  const moved = await trx
    .updateTable("export_cursor")
    .set({
      position: batch.lastPosition,
      entry_hash: batch.chainHash,
      updated_at: sql`now()`,
      ...(delivered ? { last_delivered_at: sql<Date>`now()` } : {}),
    })
    .where("position", "=", from)
    .executeTakeFirst();
  if ((moved.numUpdatedRows ?? 0n) === 0n) return false;
  await trx.deleteFrom("export_pending_batch").execute();
  return true;
}

/** The receiver took `batch`: cursor and pending batch in one transaction (see {@link handOver}). */
export async function commitDelivered(db: Kysely<AuditExportDatabase>, batch: ExportBatch, from: bigint): Promise<boolean> {
  return db.transaction().execute((trx) => handOver(trx, batch, from, true));
}

/** Gives up on the batch: its dead letter, the cursor past it and the pending batch cleared, in one transaction. */
export async function commitDeadLetter(db: Kysely<AuditExportDatabase>, record: DeadLetterRecord, from: bigint): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const { batch } = record;
    const moved = await handOver(trx, batch, from, false);
    if (!moved) return false;
    await trx
      .insertInto("export_dead_letters")
      .values({
        batch_id: batch.id,
        first_position: batch.firstPosition,
        last_position: batch.lastPosition,
        previous_hash: batch.previousHash,
        chain_hash: batch.chainHash,
        event_count: batch.eventCount,
        body: batch.body,
        attempts: record.attempts,
        last_status: record.lastStatus ?? null,
        last_error: record.lastError,
      })
      .onConflict((oc) => oc.column("batch_id").doNothing())
      .execute();
    return true;
  });
}

/** The figures behind the dead-letter, replay and last-success metrics. */
export async function readExportStatus(db: Db): Promise<ExportStatus> {
  const [letters, cursor] = await Promise.all([
    db
      .selectFrom("export_dead_letters")
      .select([
        sql<string>`count(*) FILTER (WHERE replayed_at IS NULL)`.as("pending"),
        sql<string>`count(*) FILTER (WHERE replayed_at IS NOT NULL)`.as("replayed"),
        sql<string>`coalesce(sum(replay_failures), 0)`.as("failures"),
      ])
      .executeTakeFirstOrThrow(),
    readCursor(db),
  ]);
  return {
    deadLetters: Number(letters.pending),
    replaysDelivered: Number(letters.replayed),
    replaysFailed: Number(letters.failures),
    lastDeliveredAt: cursor.lastDeliveredAt,
  };
}

/** Ids of up to `limit` dead letters not replayed yet, oldest range first. */
export async function listReplayableDeadLetters(db: Db, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("export_dead_letters")
    .select("batch_id")
    .where("replayed_at", "is", null)
    .orderBy("first_position")
    .limit(limit)
    .execute();
  return rows.map((row) => row.batch_id);
}

/** Locks one dead letter not replayed yet for its replay; undefined when it is replayed or another replay holds it. */
export async function claimDeadLetter(trx: Transaction<AuditExportDatabase>, batchId: string): Promise<DeadLetter | undefined> {
  const row = await trx
    .selectFrom("export_dead_letters")
    .select(["batch_id", "first_position", "last_position", "body"])
    .where("batch_id", "=", batchId)
    .where("replayed_at", "is", null)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  return row && { batchId: row.batch_id, firstPosition: row.first_position, lastPosition: row.last_position, body: row.body };
}

/** Records a replay attempt: delivered (`replayed_at` now) or failed with its status and scrubbed error. */
export async function recordReplay(
  trx: Transaction<AuditExportDatabase>,
  batchId: string,
  result: { delivered: true } | { delivered: false; status: number | undefined; error: string },
): Promise<void> {
  await trx
    .updateTable("export_dead_letters")
    .set(
      result.delivered
        ? { replay_attempts: sql`replay_attempts + 1`, replayed_at: sql`now()` }
        : { replay_attempts: sql`replay_attempts + 1`, replay_failures: sql`replay_failures + 1`, last_status: result.status ?? null, last_error: result.error },
    )
    .where("batch_id", "=", batchId)
    .execute();
}

/** Dead letters not replayed yet. */
export async function countReplayableDeadLetters(db: Db): Promise<number> {
  const row = await db.selectFrom("export_dead_letters").select(sql<string>`count(*)`.as("n")).where("replayed_at", "is", null).executeTakeFirstOrThrow();
  return Number(row.n);
}
