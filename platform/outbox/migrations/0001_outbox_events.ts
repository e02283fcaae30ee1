import { sql, type Kysely } from "kysely";

/**
 * The transactional outbox (frozen platform migration). Each publishing
 * service re-exports `up`/`down` from a numbered file in its own migrations
 * folder, e.g. `services/ledger/migrations/0002_outbox.ts`:
 *
 *   export { up, down } from "#platform/outbox/migrations/0001_outbox_events.js";
 *
 * A row is one domain event, written in the same transaction as the change it
 * describes and published later by the relay. `payload` is the encoded
 * `wallet.events.v1.EventEnvelope`; the other columns repeat what the relay
 * routes and reports on, so it never decodes the payload.
 *
 * Never edit this file: a change is a new platform migration every service
 * re-exports.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE outbox_events (
      event_id          uuid        PRIMARY KEY,
      producer          text        NOT NULL,
      event_type        text        NOT NULL,
      routing_key       text        NOT NULL,
      aggregate_type    text        NOT NULL,
      aggregate_id      text        NOT NULL,
      aggregate_version bigint      NOT NULL DEFAULT 0,
      payload           bytea       NOT NULL,
      occurred_at       timestamptz NOT NULL,
      status            text        NOT NULL DEFAULT 'pending'
                                    CONSTRAINT outbox_events_status_check CHECK (status IN ('pending', 'sent', 'dead')),
      attempts          integer     NOT NULL DEFAULT 0 CONSTRAINT outbox_events_attempts_check CHECK (attempts >= 0),
      next_attempt_at   timestamptz NOT NULL DEFAULT now(),
      last_error        text,
      sent_at           timestamptz,
      created_at        timestamptz NOT NULL DEFAULT clock_timestamp()
    )
  `.execute(db);
  // The relay's claim: pending rows that are due, oldest first. Sent rows
  // (almost the whole table over time) stay out of the index.
  await sql`
    CREATE INDEX outbox_events_pending_due_idx ON outbox_events (next_attempt_at, created_at)
    WHERE status = 'pending'
  `.execute(db);
  // Replay walks the dead rows, oldest first.
  await sql`CREATE INDEX outbox_events_dead_idx ON outbox_events (created_at) WHERE status = 'dead'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE outbox_events`.execute(db);
}
