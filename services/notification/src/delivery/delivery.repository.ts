import { sql, type Kysely } from "kysely";
import type { CategoryName, ChannelName, NotificationDatabase } from "../storage/notification.table.js";
import type { OutgoingNotification } from "./providers/provider.js";

/** A notification the worker claimed: what to send, and the attempts it had when claimed. */
export interface ClaimedNotification extends OutgoingNotification {
  readonly attempts: number;
  readonly createdAt: Date;
}

/** Statuses the worker may claim and overwrite. */
const CLAIMABLE = ["QUEUED", "FAILED"] as const;

/** `now() + ms`, computed by PostgreSQL so every worker shares one clock. */
const nowPlus = (ms: number) => sql<Date>`now() + make_interval(secs => ${ms / 1000})`;

/**
 * Claims up to `limit` due notifications, oldest due first, in one statement
 * (its own short transaction): `FOR UPDATE SKIP LOCKED` keeps concurrent
 * workers off each other's rows, and pushing `next_attempt_at` forward by
 * `leaseMs` hides them until the lease ends, so rows of a worker that died
 * mid-send come back by themselves. Nothing stays locked while sending.
 */
export async function claimDueNotifications(
  db: Kysely<NotificationDatabase>,
  options: { limit: number; leaseMs: number },
): Promise<ClaimedNotification[]> {
  // A materialized CTE picks the rows once: as `id IN (SELECT ... LIMIT)` the planner may rescan the subquery and pass the limit.
  const rows = await db
    .with(
      (cte) => cte("due").materialized(),
      (qb) =>
        qb
          .selectFrom("notifications")
          .select("id")
          .where("status", "in", CLAIMABLE)
          .where("next_attempt_at", "<=", sql<Date>`now()`)
          .orderBy("next_attempt_at")
          .limit(options.limit)
          .forUpdate()
          .skipLocked(),
    )
    .updateTable("notifications")
    .from("due")
    .set({ next_attempt_at: nowPlus(options.leaseMs) })
    .whereRef("notifications.id", "=", "due.id")
    .returning([
      "notifications.id", "notifications.user_id", "notifications.category", "notifications.channel", "notifications.destination",
      "notifications.subject", "notifications.body", "notifications.attempts", "notifications.created_at",
    ])
    .execute();
  return rows.map((row) => ({
    id: row.id,
    userId: row.user_id,
    category: row.category,
    channel: row.channel,
    destination: row.destination,
    subject: row.subject,
    body: row.body,
    attempts: row.attempts,
    createdAt: row.created_at,
  }));
}

/**
 * The update of a claimed row, guarded: only while it is still claimable
 * with the attempts it was claimed with. A row replayed, sent or retried by
 * another worker meanwhile (after a lease ran out) is left alone.
 */
function updateClaimed(db: Kysely<NotificationDatabase>, claimed: ClaimedNotification) {
  return db
    .updateTable("notifications")
    .where("id", "=", claimed.id)
    .where("status", "in", CLAIMABLE)
    .where("attempts", "=", claimed.attempts);
}

/** True when the guarded update changed the row. */
const changed = (result: { numUpdatedRows: bigint }) => result.numUpdatedRows > 0n;

/**
 * Records an accepted send. SECURITY bodies are cleared: they may hold a
 * single-use token that has no reason to outlive its delivery.
 */
export async function markNotificationSent(
  db: Kysely<NotificationDatabase>,
  claimed: ClaimedNotification,
  receipt: { provider: string; providerMessageId: string | null },
): Promise<boolean> {
  const result = await updateClaimed(db, claimed)
    .set({
      status: "SENT",
      sent_at: sql<Date>`now()`,
      provider: receipt.provider,
      provider_message_id: receipt.providerMessageId,
      attempts: claimed.attempts + 1,
      last_error: null,
      ...(claimed.category === ("SECURITY" satisfies CategoryName) ? { body: "" } : {}),
    })
    .executeTakeFirst();
  return changed(result);
}

/** Records a failed attempt: FAILED with the next attempt after `retryInMs`, or DEAD_LETTERED when `deadLetter`. */
export async function markNotificationFailed(
  db: Kysely<NotificationDatabase>,
  claimed: ClaimedNotification,
  failure: { provider: string; error: string; deadLetter: boolean; retryInMs: number },
): Promise<boolean> {
  const result = await updateClaimed(db, claimed)
    .set({
      provider: failure.provider,
      attempts: claimed.attempts + 1,
      last_error: failure.error,
      ...(failure.deadLetter
        ? { status: "DEAD_LETTERED" as const, dead_lettered_at: sql<Date>`now()` }
        : { status: "FAILED" as const, next_attempt_at: nowPlus(failure.retryInMs) }),
    })
    .executeTakeFirst();
  return changed(result);
}

/** Moves a rate-capped notification to `retryInMs` from now without counting an attempt. */
export async function postponeNotification(db: Kysely<NotificationDatabase>, claimed: ClaimedNotification, retryInMs: number): Promise<boolean> {
  return changed(await updateClaimed(db, claimed).set({ next_attempt_at: nowPlus(retryInMs) }).executeTakeFirst());
}

/** The user's current push tokens. */
export async function readPushTokens(db: Kysely<NotificationDatabase>, userId: string): Promise<string[]> {
  const rows = await db.selectFrom("push_tokens").select("push_token").where("user_id", "=", userId).orderBy("device_id").execute();
  return rows.map((row) => row.push_token);
}

/** Due notifications per channel (the `notification_queued` gauge). */
export async function countDueNotifications(db: Kysely<NotificationDatabase>): Promise<Array<{ channel: ChannelName; due: number }>> {
  const rows = await db
    .selectFrom("notifications")
    .select(["channel", (eb) => eb.fn.countAll<string>().as("due")])
    .where("status", "in", CLAIMABLE)
    .where("next_attempt_at", "<=", sql<Date>`now()`)
    .groupBy("channel")
    .execute();
  return rows.map((row) => ({ channel: row.channel, due: Number(row.due) }));
}
