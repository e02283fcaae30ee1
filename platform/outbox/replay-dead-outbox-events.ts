import { sql, type Kysely } from "kysely";
import type { OutboxDatabase } from "./outbox.table.js";

/** Options for {@link replayDeadOutboxEvents}. */
export interface ReplayDeadOutboxEventsOptions {
  /** At most this many rows, oldest first. */
  readonly limit: number;
  /** Only this producer's rows; default every producer in the table. */
  readonly producer?: string;
}

/**
 * Re-queues dead-lettered outbox rows (once whatever kept them from being
 * published is fixed): status back to `pending`, attempts 0, due now. The
 * relay then publishes them like new rows; `last_error` is kept until the
 * next failure, for the record. Returns how many rows were re-queued.
 */
export async function replayDeadOutboxEvents(db: Kysely<any>, options: ReplayDeadOutboxEventsOptions): Promise<number> {
  if (!Number.isSafeInteger(options.limit) || options.limit <= 0) throw new Error("limit must be a positive integer");
  const typed = db as Kysely<OutboxDatabase>;
  let dead = typed.selectFrom("outbox_events").select("event_id").where("status", "=", "dead");
  if (options.producer !== undefined) dead = dead.where("producer", "=", options.producer);
  const result = await typed
    .updateTable("outbox_events")
    .set({ status: "pending", attempts: 0, next_attempt_at: sql<Date>`now()` })
    .where("event_id", "in", dead.orderBy("created_at").limit(options.limit).forUpdate().skipLocked())
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
