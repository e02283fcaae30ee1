import { sql, type Kysely } from "kysely";

/**
 * Frozen platform migration: the idempotency-key table. A service that uses
 * `#platform/idempotency` re-exports this file from its own numbered
 * migrations folder (`export { up, down } from ...`), so the table lives in
 * the service's own database.
 *
 * One row per (scope, key): scope is the authenticated caller (service
 * identity, plus the end user when there is one); the row stores the method
 * and a SHA-256 of the request (without its key) to recognise a different
 * request under a used key, and the encoded response to replay. Rows are
 * inserted in the same transaction as the change they guard, so they exist
 * only for committed successes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE idempotency_keys (
      scope         text        NOT NULL,
      key           text        NOT NULL,
      method        text        NOT NULL,
      request_hash  bytea       NOT NULL,
      response      bytea       NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now(),
      expires_at    timestamptz NOT NULL,
      PRIMARY KEY (scope, key),
      CONSTRAINT idempotency_keys_key_length CHECK (char_length(key) BETWEEN 1 AND 255)
    )
  `.execute(db);
  await sql`CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE idempotency_keys`.execute(db);
}
