import { sql, type Kysely } from "kysely";

/**
 * Frozen platform migration: an outbox row may carry its envelope as proto3
 * JSON (`payload_json`) instead of binary (`payload`, then empty).
 *
 * Why: a producer that posts its changes with one server-side function (the
 * ledger's movements, see services/ledger/migrations/0006) writes its events
 * in the same statement, and SQL builds JSON far more readably than protobuf
 * binary. The relay encodes such a row to binary before publishing, so what
 * reaches the broker is the same either way. Exactly one of the two is set.
 *
 * Every service with an outbox re-exports this file after 0001, so the relay's
 * query is the same everywhere.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE outbox_events
      ADD COLUMN payload_json jsonb,
      ADD CONSTRAINT outbox_events_one_payload CHECK ((octet_length(payload) > 0) <> (payload_json IS NOT NULL))
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_one_payload, DROP COLUMN payload_json`.execute(db);
}
