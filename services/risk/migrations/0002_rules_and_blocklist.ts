import { sql, type Kysely } from "kysely";

/**
 * Scoring rules and blocklist entries as data, with sensible default rules
 * (EUR thresholds; analysts tune them through UpsertRule without a deploy).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("risk_rules")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("kind", "text", (col) => col.notNull())
    .addColumn("description", "text", (col) => col.notNull().defaultTo(""))
    .addColumn("scope", "text")
    .addColumn("window_ms", "int8")
    .addColumn("currency", "text", (col) => col.notNull().defaultTo(""))
    .addColumn("threshold_minor", "int8")
    .addColumn("threshold_count", "int4")
    .addColumn("margin_bps", "int4")
    .addColumn("device_age_ms", "int8")
    .addColumn("transaction_kinds", sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("decision", "text", (col) => col.notNull())
    .addColumn("score", "int4", (col) => col.notNull())
    .addColumn("enabled", "boolean", (col) => col.notNull().defaultTo(true))
    .addColumn("version", "int8", (col) => col.notNull().defaultTo(1))
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint("risk_rules_kind_check", sql`kind in ('AMOUNT_THRESHOLD','VELOCITY_COUNT','VELOCITY_SUM','NEW_COUNTERPARTY','NEW_DEVICE_LARGE_AMOUNT','STRUCTURING','BLOCKLIST')`)
    .addCheckConstraint("risk_rules_decision_check", sql`decision in ('ALLOW','REVIEW','STEP_UP','DENY')`)
    .addCheckConstraint("risk_rules_score_check", sql`score between 0 and 1000`)
    .execute();

  await db.schema
    .createTable("blocklist_entries")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("kind", "text", (col) => col.notNull())
    .addColumn("value", "text", (col) => col.notNull())
    .addColumn("reason", "text", (col) => col.notNull())
    .addColumn("expires_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("created_by", "text", (col) => col.notNull().defaultTo(""))
    .addCheckConstraint("blocklist_entries_kind_check", sql`kind in ('USER','DEVICE','IP_ADDRESS','IP_RANGE')`)
    .addUniqueConstraint("blocklist_entries_kind_value_key", ["kind", "value"])
    .execute();
  await db.schema.createIndex("blocklist_entries_created_at_idx").on("blocklist_entries").columns(["created_at desc", "id desc"]).execute();

  const MINUTE = 60_000;
  const HOUR = 3_600_000;
  const DAY = 86_400_000;
  const rule = (r: Record<string, unknown>) => ({ currency: "", transaction_kinds: [], ...r });
  await db
    .insertInto("risk_rules")
    .values([
      rule({ id: "amount.eur.review", kind: "AMOUNT_THRESHOLD", description: "A single movement of 10,000 EUR or more is looked at afterwards.", currency: "EUR", threshold_minor: 1_000_000n, decision: "REVIEW", score: 300 }),
      rule({ id: "amount.eur.step_up", kind: "AMOUNT_THRESHOLD", description: "A single movement of 50,000 EUR or more needs a fresh second factor.", currency: "EUR", threshold_minor: 5_000_000n, decision: "STEP_UP", score: 400 }),
      rule({ id: "velocity.count.user.1m", kind: "VELOCITY_COUNT", description: "More than 5 movements a minute by one user looks automated.", scope: "USER", window_ms: MINUTE, threshold_count: 5, decision: "STEP_UP", score: 250 }),
      rule({ id: "velocity.count.device.1m", kind: "VELOCITY_COUNT", description: "More than 10 movements a minute from one device is refused.", scope: "DEVICE", window_ms: MINUTE, threshold_count: 10, decision: "DENY", score: 500 }),
      rule({ id: "velocity.count.ip.1h", kind: "VELOCITY_COUNT", description: "More than 100 movements an hour from one IP address.", scope: "IP", window_ms: HOUR, threshold_count: 100, decision: "REVIEW", score: 200 }),
      rule({ id: "velocity.sum.user.24h.eur", kind: "VELOCITY_SUM", description: "More than 20,000 EUR moved by one user in a day.", scope: "USER", window_ms: DAY, currency: "EUR", threshold_minor: 2_000_000n, decision: "REVIEW", score: 250 }),
      rule({ id: "new_counterparty.eur", kind: "NEW_COUNTERPARTY", description: "First payment of 1,000 EUR or more to a counterparty never paid before.", currency: "EUR", threshold_minor: 100_000n, transaction_kinds: ["TRANSFER"], decision: "STEP_UP", score: 150 }),
      rule({ id: "new_device.eur", kind: "NEW_DEVICE_LARGE_AMOUNT", description: "500 EUR or more from a device first seen in the last 24 hours.", currency: "EUR", threshold_minor: 50_000n, device_age_ms: DAY, decision: "STEP_UP", score: 200 }),
      rule({ id: "structuring.user.24h.eur", kind: "STRUCTURING", description: "Three or more movements within 10% under 10,000 EUR in a day (splitting to stay below the review threshold).", scope: "USER", window_ms: DAY, currency: "EUR", threshold_minor: 1_000_000n, margin_bps: 1_000, threshold_count: 3, decision: "REVIEW", score: 300 }),
      rule({ id: "blocklist.user", kind: "BLOCKLIST", description: "The user is on the blocklist.", scope: "USER", decision: "DENY", score: 1000 }),
      rule({ id: "blocklist.device", kind: "BLOCKLIST", description: "The device is on the blocklist.", scope: "DEVICE", decision: "DENY", score: 1000 }),
      rule({ id: "blocklist.ip", kind: "BLOCKLIST", description: "The IP address is on the blocklist.", scope: "IP", decision: "DENY", score: 1000 }),
    ])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("blocklist_entries").execute();
  await db.schema.dropTable("risk_rules").execute();
}
