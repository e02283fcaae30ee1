import { sql, type Kysely } from "kysely";

/**
 * The exporter's state:
 *
 * - `export_cursor`: one row, the last chain position handed over (delivered
 *   or dead-lettered) and its entry hash, and when a batch was last
 *   delivered. Moved only in the transaction that records the batch's end.
 * - `export_pending_batch`: at most one row, the batch being sent (its range,
 *   id and attempts so far), written before the first attempt, so a restart
 *   (a crash between the receiver's 2xx and the cursor commit included)
 *   sends the same range under the same webhook-id again.
 * - `export_dead_letters`: batches given up on (a permanent refusal, or
 *   AUDIT_EXPORT_MAX_ATTEMPTS failures), with the exact body, until a replay
 *   delivers them (`replayed_at`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE export_cursor (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      position bigint NOT NULL DEFAULT 0 CHECK (position >= 0),
      entry_hash text NOT NULL DEFAULT repeat('0', 64),
      last_delivered_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`INSERT INTO export_cursor DEFAULT VALUES`.execute(db);

  await sql`
    CREATE TABLE export_pending_batch (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      batch_id text NOT NULL,
      first_position bigint NOT NULL CHECK (first_position > 0),
      last_position bigint NOT NULL,
      attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (last_position >= first_position)
    )`.execute(db);

  await sql`
    CREATE TABLE export_dead_letters (
      batch_id text PRIMARY KEY,
      first_position bigint NOT NULL,
      last_position bigint NOT NULL,
      previous_hash text NOT NULL,
      chain_hash text NOT NULL,
      event_count integer NOT NULL CHECK (event_count > 0),
      body text NOT NULL,
      attempts integer NOT NULL CHECK (attempts > 0),
      last_status integer,
      last_error text NOT NULL,
      dead_at timestamptz NOT NULL DEFAULT now(),
      replay_attempts integer NOT NULL DEFAULT 0,
      replay_failures integer NOT NULL DEFAULT 0,
      replayed_at timestamptz,
      CHECK (last_position >= first_position)
    )`.execute(db);
  await sql`CREATE INDEX export_dead_letters_pending ON export_dead_letters (first_position) WHERE replayed_at IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("export_dead_letters").execute();
  await db.schema.dropTable("export_pending_batch").execute();
  await db.schema.dropTable("export_cursor").execute();
}
