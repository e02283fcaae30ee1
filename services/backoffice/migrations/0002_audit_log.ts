import { sql, type Kysely } from "kysely";

/**
 * The audit log: one row per backoffice call, append-only and hash-chained.
 *
 * - `position` is 1, 2, 3... with no gap. Writers take a transaction-scoped
 *   advisory lock before reading the chain head and hold it until commit, so
 *   positions are assigned in commit order: a reader following positions
 *   never skips a row that committed late. A trigger refuses any row that is
 *   not the head's successor (wrong position or previous hash).
 * - `entry_hash` = SHA-256 over `previous_hash` and the row's canonical
 *   content, computed by the service (src/domain/audit-chain.ts) and
 *   recomputed by `npm run backoffice:verify-audit`.
 * - Triggers raise on UPDATE, DELETE and TRUNCATE. A superuser can still
 *   disable them; the chain is what reveals that.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE audit_log (
      position      bigint      PRIMARY KEY CHECK (position > 0),
      id            uuid        NOT NULL UNIQUE,
      occurred_at   timestamptz NOT NULL,
      actor_id      text        NOT NULL,
      actor_roles   text[]      NOT NULL,
      action        text        NOT NULL,
      target_type   text        NOT NULL,
      target_id     text        NOT NULL,
      reason        text        NOT NULL,
      request_id    text        NOT NULL,
      client_ip     text        NOT NULL,
      outcome       text        NOT NULL CHECK (outcome IN ('SUCCEEDED', 'DENIED', 'FAILED')),
      error_code    text        NOT NULL,
      approval_id   text        NOT NULL,
      previous_hash text        NOT NULL CHECK (previous_hash ~ '^[0-9a-f]{64}$'),
      entry_hash    text        NOT NULL CHECK (entry_hash ~ '^[0-9a-f]{64}$')
    )
  `.execute(db);
  await sql`CREATE INDEX audit_log_by_actor ON audit_log (actor_id, position)`.execute(db);
  await sql`CREATE INDEX audit_log_by_action ON audit_log (action, position)`.execute(db);
  await sql`CREATE INDEX audit_log_by_target ON audit_log (target_id, position)`.execute(db);
  await sql`CREATE INDEX audit_log_by_time ON audit_log (occurred_at, position)`.execute(db);

  await sql`
    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END
    $$
  `.execute(db);
  await sql`CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`.execute(db);
  await sql`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`.execute(db);

  await sql`
    CREATE FUNCTION audit_log_check_chain() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      head audit_log%ROWTYPE;
    BEGIN
      SELECT * INTO head FROM audit_log ORDER BY position DESC LIMIT 1;
      IF NOT FOUND THEN
        IF NEW.position <> 1 OR NEW.previous_hash <> repeat('0', 64) THEN
          RAISE EXCEPTION 'audit_log: the first entry must have position 1 and a zero previous hash'
            USING ERRCODE = 'integrity_constraint_violation';
        END IF;
      ELSIF NEW.position <> head.position + 1 OR NEW.previous_hash <> head.entry_hash THEN
        RAISE EXCEPTION 'audit_log: entry % does not follow the chain head %', NEW.position, head.position
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END
    $$
  `.execute(db);
  await sql`CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_check_chain()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE audit_log`.execute(db);
  await sql`DROP FUNCTION audit_log_refuse_change(), audit_log_check_chain()`.execute(db);
}
