import { sql, type Kysely } from "kysely";

/**
 * The idempotent event consumer's tables (frozen platform migration). Each
 * consuming service re-exports `up`/`down` from a numbered file in its own
 * migrations folder, e.g. `services/risk/migrations/0002_processed_events.ts`:
 *
 *   export { up, down } from "#platform/consumer/migrations/0001_processed_events.js";
 *
 * `processed_events` holds one row per (consumer, event) handled, inserted in
 * the same transaction as the handler's effect: the row exists if and only if
 * the effect committed, so a redelivered event is recognised and skipped.
 * The key is (consumer, event_id) so two consumers in one database each
 * process an event once.
 *
 * `dead_letter_events` holds the messages a consumer gave up on (a handler
 * that kept failing, an undecodable payload, the broker's delivery limit),
 * with the raw payload and headers so they can be replayed once the cause is
 * fixed; `replayed_at` is set when they are.
 *
 * Never edit this file: a change is a new platform migration every service
 * re-exports.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE processed_events (
      consumer      text        NOT NULL,
      event_id      uuid        NOT NULL,
      event_type    text        NOT NULL,
      processed_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )
  `.execute(db);
  await sql`CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at)`.execute(db);
  await sql`
    CREATE TABLE dead_letter_events (
      id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id          uuid,
      consumer          text        NOT NULL,
      event_type        text,
      routing_key       text        NOT NULL,
      payload           bytea       NOT NULL,
      headers           jsonb       NOT NULL DEFAULT '{}'::jsonb,
      last_error        text        NOT NULL,
      attempts          integer     NOT NULL CONSTRAINT dead_letter_events_attempts_check CHECK (attempts >= 0),
      dead_lettered_at  timestamptz NOT NULL DEFAULT now(),
      replayed_at       timestamptz
    )
  `.execute(db);
  // Replay walks a consumer's unreplayed rows, oldest first.
  await sql`
    CREATE INDEX dead_letter_events_pending_idx ON dead_letter_events (consumer, dead_lettered_at)
    WHERE replayed_at IS NULL
  `.execute(db);
  await sql`CREATE INDEX dead_letter_events_event_id_idx ON dead_letter_events (event_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE dead_letter_events`.execute(db);
  await sql`DROP TABLE processed_events`.execute(db);
}
