import { sql, type Kysely } from "kysely";

/**
 * Four-eyes approval requests. A request is created PENDING by its maker and
 * decided once by a different staff member (the checker): the CHECK
 * `checker_id <> maker_id` holds whatever the code does. At most one request
 * per action and target is pending (partial unique index). Decided requests
 * keep their row; the audit log records every step.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE approval_requests (
      id               uuid        PRIMARY KEY,
      action           text        NOT NULL,
      target_type      text        NOT NULL,
      target_id        text        NOT NULL,
      request_json     text        NOT NULL,
      request_digest   text        NOT NULL CHECK (request_digest ~ '^[0-9a-f]{64}$'),
      reason_code      text        NOT NULL,
      justification    text        NOT NULL CHECK (justification <> ''),
      ticket_reference text        NOT NULL,
      amount_minor     bigint      CHECK (amount_minor IS NULL OR amount_minor > 0),
      currency         text        CHECK ((amount_minor IS NULL) = (currency IS NULL)),
      maker_id         text        NOT NULL CHECK (maker_id <> ''),
      status           text        NOT NULL CHECK (status IN ('PENDING', 'EXECUTED', 'FAILED', 'REJECTED', 'CANCELLED', 'EXPIRED')),
      checker_id       text,
      decision_note    text        NOT NULL DEFAULT '',
      transaction_id   text        NOT NULL DEFAULT '',
      failure_reason   text        NOT NULL DEFAULT '',
      created_at       timestamptz NOT NULL,
      expires_at       timestamptz NOT NULL CHECK (expires_at > created_at),
      decided_at       timestamptz,
      CONSTRAINT approval_maker_is_not_checker CHECK (checker_id IS NULL OR checker_id <> maker_id),
      CONSTRAINT approval_decided_has_time CHECK ((status = 'PENDING') = (decided_at IS NULL))
    )
  `.execute(db);
  await sql`CREATE UNIQUE INDEX approval_one_pending_per_target ON approval_requests (action, target_type, target_id) WHERE status = 'PENDING'`.execute(db);
  await sql`CREATE INDEX approval_by_time ON approval_requests (created_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX approval_by_maker ON approval_requests (maker_id, created_at DESC)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE approval_requests`.execute(db);
}
