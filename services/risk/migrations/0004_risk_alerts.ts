import { sql, type Kysely } from "kysely";

/**
 * Alerts for analysts (alert.proto): raised by the event consumer, handled
 * OPEN -> ACKNOWLEDGED -> RESOLVED (or OPEN -> RESOLVED) through the alerts
 * RPCs. At most one alert per (source event, kind), however often the event
 * is delivered or replayed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("risk_alerts")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("kind", "text", (col) => col.notNull())
    .addColumn("severity", "text", (col) => col.notNull())
    .addColumn("status", "text", (col) => col.notNull().defaultTo("OPEN"))
    .addColumn("title", "text", (col) => col.notNull())
    .addColumn("user_id", "text", (col) => col.notNull().defaultTo(""))
    .addColumn("account_id", "text", (col) => col.notNull().defaultTo(""))
    .addColumn("transaction_id", "text", (col) => col.notNull().defaultTo(""))
    .addColumn("amount_minor", "int8")
    .addColumn("currency", "text")
    .addColumn("rule_ids", sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("source_event_id", "uuid")
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("acknowledged_at", "timestamptz")
    .addColumn("acknowledged_by", "text", (col) => col.notNull().defaultTo(""))
    .addColumn("resolved_at", "timestamptz")
    .addColumn("resolved_by", "text", (col) => col.notNull().defaultTo(""))
    .addColumn("resolution", "text")
    .addColumn("resolution_note", "text", (col) => col.notNull().defaultTo(""))
    .addCheckConstraint("risk_alerts_status_check", sql`status in ('OPEN','ACKNOWLEDGED','RESOLVED')`)
    .addCheckConstraint("risk_alerts_severity_check", sql`severity in ('LOW','MEDIUM','HIGH','CRITICAL')`)
    .addCheckConstraint("risk_alerts_resolution_check", sql`resolution is null or resolution in ('FALSE_POSITIVE','CONFIRMED_FRAUD','OTHER')`)
    .addCheckConstraint("risk_alerts_amount_check", sql`(amount_minor is null) = (currency is null)`)
    .execute();
  await sql`CREATE UNIQUE INDEX risk_alerts_source_event_kind_key ON risk_alerts (source_event_id, kind) WHERE source_event_id IS NOT NULL`.execute(db);
  await db.schema.createIndex("risk_alerts_created_at_idx").on("risk_alerts").columns(["created_at desc", "id desc"]).execute();
  await db.schema.createIndex("risk_alerts_status_created_at_idx").on("risk_alerts").columns(["status", "created_at desc"]).execute();
  await db.schema.createIndex("risk_alerts_user_created_at_idx").on("risk_alerts").columns(["user_id", "created_at desc"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("risk_alerts").execute();
}
