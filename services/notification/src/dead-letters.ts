/**
 * The delivery worker's dead letters: listed oldest first for staff, and
 * re-queued with a fresh attempt budget by ReplayDeadLetters and
 * `npm run notification:replay`. Bodies are never read here.
 */
import { sql, type Kysely } from "kysely";
import type { ChannelName, NotificationDatabase } from "./storage/notification.table.js";
import type { NotificationView, PageCursor } from "./storage/notifications.repository.js";

/** A dead-lettered notification without its body. */
export interface DeadLetter extends NotificationView {
  /** The provider adapter that failed last. */
  readonly provider: string | null;
  /** The scrubbed last error. */
  readonly lastError: string | null;
  readonly deadLetteredAt: Date;
}

/** ReplayDeadLetters' default and largest batch. */
export const DEFAULT_REPLAY_LIMIT = 200;
export const MAX_REPLAY_LIMIT = 1_000;

/** Dead letters oldest first (dead_lettered_at, id), optionally of one channel, after a cursor. */
export async function listDeadLetters(
  db: Kysely<NotificationDatabase>,
  options: { channel?: ChannelName | undefined; after?: PageCursor | undefined; limit: number },
): Promise<DeadLetter[]> {
  let query = db
    .selectFrom("notifications")
    .select([
      "id", "user_id", "category", "channel", "event_type", "subject", "status", "attempts",
      "created_at", "sent_at", "provider", "last_error", "dead_lettered_at",
    ])
    .where("status", "=", "DEAD_LETTERED");
  if (options.channel) query = query.where("channel", "=", options.channel);
  if (options.after) {
    const { at, id } = options.after;
    query = query.where(sql<boolean>`(dead_lettered_at, id) > (${at}, ${id}::uuid)`);
  }
  const rows = await query.orderBy("dead_lettered_at").orderBy("id").limit(options.limit).execute();
  return rows.map((row) => ({
    id: row.id,
    userId: row.user_id,
    category: row.category,
    channel: row.channel,
    eventType: row.event_type,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    provider: row.provider,
    lastError: row.last_error,
    deadLetteredAt: row.dead_lettered_at ?? row.created_at,
  }));
}

/** What a replay targets. */
export interface ReplayDeadLettersOptions {
  /** At most this many, oldest first. */
  readonly limit: number;
  readonly channel?: ChannelName | undefined;
  /** Only these notifications (ids already checked to be UUIDs); empty or absent means any. */
  readonly ids?: readonly string[] | undefined;
}

/** What a replay did. */
export interface ReplayResult {
  readonly replayed: number;
  /** Re-queued per channel (the replay metric). */
  readonly replayedByChannel: ReadonlyMap<ChannelName, number>;
  /** Dead letters left after the replay (all channels). */
  readonly remaining: number;
}

/**
 * Re-queues dead letters oldest first: QUEUED, attempts 0, due now,
 * `dead_lettered_at` cleared, `last_error` kept for the record. Only rows
 * still DEAD_LETTERED are touched (locked, skipping any another replay
 * holds), so replaying twice, or replaying a notification since sent,
 * changes nothing.
 */
export async function replayDeadLetters(db: Kysely<NotificationDatabase>, options: ReplayDeadLettersOptions): Promise<ReplayResult> {
  // A materialized CTE picks the rows once: as `id IN (SELECT ... LIMIT)` the planner may rescan the subquery and pass the limit.
  const rows = await db
    .with(
      (cte) => cte("picked").materialized(),
      (qb) => {
        let pick = qb.selectFrom("notifications").select("id").where("status", "=", "DEAD_LETTERED");
        if (options.channel) pick = pick.where("channel", "=", options.channel);
        if (options.ids && options.ids.length > 0) pick = pick.where("id", "in", [...options.ids]);
        return pick.orderBy("dead_lettered_at").orderBy("id").limit(options.limit).forUpdate().skipLocked();
      },
    )
    .updateTable("notifications")
    .from("picked")
    .set({ status: "QUEUED", attempts: 0, next_attempt_at: sql<Date>`now()`, dead_lettered_at: null })
    .whereRef("notifications.id", "=", "picked.id")
    .where("notifications.status", "=", "DEAD_LETTERED")
    .returning(["notifications.channel"])
    .execute();
  const replayedByChannel = new Map<ChannelName, number>();
  for (const row of rows) replayedByChannel.set(row.channel, (replayedByChannel.get(row.channel) ?? 0) + 1);
  return { replayed: rows.length, replayedByChannel, remaining: await countDeadLetters(db) };
}

/** How many notifications are dead-lettered. */
export async function countDeadLetters(db: Kysely<NotificationDatabase>): Promise<number> {
  const row = await db
    .selectFrom("notifications")
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .where("status", "=", "DEAD_LETTERED")
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
