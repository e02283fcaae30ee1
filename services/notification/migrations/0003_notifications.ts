import { sql, type Kysely } from "kysely";

/**
 * The notification service's own data:
 * - `recipients`: where a user can be reached (email, phone, locale), kept
 *   from identity's events: this service never reads identity's tables;
 * - `push_tokens`: one per device, from DeviceRegistered, gone with DeviceRevoked;
 * - `preferences`: only the entries a user changed (defaults live in code);
 * - `notifications`: the delivery outbox. One row per (source event,
 *   channel), written in the transaction that records the event processed;
 *   the delivery worker claims due rows, sends them, and moves them to SENT,
 *   FAILED (retry at `next_attempt_at`) or DEAD_LETTERED. `body` may hold a
 *   single-use token: the API never returns it and it is cleared once sent.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("recipients")
    .addColumn("user_id", "text", (col) => col.primaryKey())
    .addColumn("email", "text")
    .addColumn("email_verified", "boolean", (col) => col.notNull().defaultTo(false))
    .addColumn("phone_number", "text")
    .addColumn("locale", "text", (col) => col.notNull().defaultTo("en"))
    .addColumn("updated_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("push_tokens")
    .addColumn("device_id", "text", (col) => col.primaryKey())
    .addColumn("user_id", "text", (col) => col.notNull())
    .addColumn("push_token", "text", (col) => col.notNull())
    .addColumn("updated_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("push_tokens_user_idx").on("push_tokens").column("user_id").execute();

  await db.schema
    .createTable("preferences")
    .addColumn("user_id", "text", (col) => col.notNull())
    .addColumn("category", "text", (col) => col.notNull())
    .addColumn("channel", "text", (col) => col.notNull())
    .addColumn("enabled", "boolean", (col) => col.notNull())
    .addColumn("updated_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("preferences_pk", ["user_id", "category", "channel"])
    .addCheckConstraint("preferences_category_check", sql`category in ('SECURITY','TRANSACTIONS','MARKETING')`)
    .addCheckConstraint("preferences_channel_check", sql`channel in ('EMAIL','SMS','PUSH')`)
    // Security notifications cannot be turned off, whatever writes here.
    .addCheckConstraint("preferences_security_on_check", sql`category <> 'SECURITY' or enabled`)
    .execute();

  await db.schema
    .createTable("notifications")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("user_id", "text", (col) => col.notNull())
    .addColumn("category", "text", (col) => col.notNull())
    .addColumn("channel", "text", (col) => col.notNull())
    // The source event's id ("test:<uuid>" for SendTestNotification): one notification per event and channel.
    .addColumn("event_id", "text", (col) => col.notNull())
    .addColumn("event_type", "text", (col) => col.notNull())
    .addColumn("template", "text", (col) => col.notNull())
    .addColumn("locale", "text", (col) => col.notNull())
    // Email address or phone number fixed when queued; null for push (the user's tokens at send time).
    .addColumn("destination", "text")
    .addColumn("subject", "text", (col) => col.notNull())
    .addColumn("body", "text", (col) => col.notNull())
    .addColumn("status", "text", (col) => col.notNull().defaultTo("QUEUED"))
    .addColumn("attempts", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("provider", "text")
    .addColumn("provider_message_id", "text")
    .addColumn("last_error", "text")
    .addColumn("actor_id", "text")
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("sent_at", "timestamptz")
    .addColumn("dead_lettered_at", "timestamptz")
    .addUniqueConstraint("notifications_event_channel_key", ["event_id", "channel"])
    .addCheckConstraint("notifications_category_check", sql`category in ('SECURITY','TRANSACTIONS','MARKETING')`)
    .addCheckConstraint("notifications_channel_check", sql`channel in ('EMAIL','SMS','PUSH')`)
    .addCheckConstraint("notifications_status_check", sql`status in ('QUEUED','SENT','FAILED','DEAD_LETTERED')`)
    .execute();
  // The delivery worker's claim: due rows only.
  await sql`CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE status IN ('QUEUED', 'FAILED')`.execute(db);
  // A user's history, newest first.
  await sql`CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id DESC)`.execute(db);
  // Dead letters, oldest first.
  await sql`CREATE INDEX notifications_dead_idx ON notifications (dead_lettered_at, id) WHERE status = 'DEAD_LETTERED'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["notifications", "preferences", "push_tokens", "recipients"]) await db.schema.dropTable(table).execute();
}
