import { sql, type Kysely } from "kysely";

/**
 * The ledger: accounts, their balances, the immutable journal (transactions,
 * postings and per-account statement entries) and holds.
 *
 * - `balances` is the only money state that is ever updated. It copies the
 *   account's currency and allow_negative flag (both immutable) so a CHECK can
 *   refuse a negative available balance even if application code were wrong.
 * - `transactions`, `postings` and `entries` are append-only: triggers raise
 *   on UPDATE, DELETE and TRUNCATE.
 * - Times are taken with clock_timestamp() truncated to milliseconds (what a
 *   protobuf Timestamp from a JS Date carries), after the balance rows are
 *   locked, so an account's entries are in time order and "the balance at the
 *   instant a transaction reports" includes that transaction.
 * - `entries` holds one line per account side of every posting, numbered per
 *   account (`sequence`) with the posted balance right after it, so a
 *   statement page and a historical balance are one index range scan.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE accounts (
      id                 uuid        PRIMARY KEY,
      owner_user_id      text,
      kind               text        NOT NULL CHECK (kind IN ('USER_WALLET', 'SYSTEM_FUNDING', 'SYSTEM_FEES', 'SYSTEM_SETTLEMENT', 'SYSTEM_REFUNDS')),
      currency           char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      status             text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'FROZEN', 'CLOSED')),
      allow_negative     boolean     NOT NULL DEFAULT false,
      label              text        NOT NULL DEFAULT '',
      is_default         boolean     NOT NULL DEFAULT false,
      created_at         timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
      status_changed_at  timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
      status_reason      text        NOT NULL DEFAULT '',
      CONSTRAINT accounts_wallet_has_owner CHECK ((kind = 'USER_WALLET') = (owner_user_id IS NOT NULL)),
      CONSTRAINT accounts_wallet_never_negative CHECK (kind <> 'USER_WALLET' OR NOT allow_negative),
      CONSTRAINT accounts_default_is_system CHECK (NOT is_default OR kind <> 'USER_WALLET')
    )
  `.execute(db);
  await sql`CREATE UNIQUE INDEX accounts_one_wallet_per_currency ON accounts (owner_user_id, currency) WHERE kind = 'USER_WALLET'`.execute(db);
  await sql`CREATE UNIQUE INDEX accounts_one_default_system ON accounts (kind, currency) WHERE is_default`.execute(db);
  await sql`CREATE INDEX accounts_by_creation ON accounts (created_at, id)`.execute(db);

  await sql`
    CREATE TABLE balances (
      account_id          uuid        PRIMARY KEY REFERENCES accounts (id),
      currency            char(3)     NOT NULL,
      allow_negative      boolean     NOT NULL,
      posted              bigint      NOT NULL DEFAULT 0,
      held                bigint      NOT NULL DEFAULT 0,
      version             bigint      NOT NULL DEFAULT 0,
      last_entry_sequence bigint      NOT NULL DEFAULT 0,
      updated_at          timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
      CONSTRAINT balances_held_non_negative CHECK (held >= 0),
      CONSTRAINT balances_available_non_negative CHECK (allow_negative OR posted - held >= 0)
    )
  `.execute(db);

  await sql`
    CREATE TABLE holds (
      id                     uuid        PRIMARY KEY,
      account_id             uuid        NOT NULL REFERENCES accounts (id),
      destination_account_id uuid        NOT NULL REFERENCES accounts (id),
      currency               char(3)     NOT NULL,
      amount                 bigint      NOT NULL CHECK (amount > 0),
      captured               bigint      NOT NULL DEFAULT 0,
      status                 text        NOT NULL CHECK (status IN ('PENDING', 'PARTIALLY_CAPTURED', 'CAPTURED', 'VOIDED', 'EXPIRED')),
      description            text        NOT NULL DEFAULT '',
      metadata               jsonb       NOT NULL DEFAULT '{}',
      expires_at             timestamptz NOT NULL,
      created_at             timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
      closed_at              timestamptz,
      caller                 text        NOT NULL,
      CONSTRAINT holds_captured_within_amount CHECK (captured >= 0 AND captured <= amount),
      CONSTRAINT holds_closed_at_when_final CHECK ((status IN ('PENDING', 'PARTIALLY_CAPTURED')) = (closed_at IS NULL)),
      CONSTRAINT holds_distinct_accounts CHECK (account_id <> destination_account_id)
    )
  `.execute(db);
  await sql`CREATE INDEX holds_open_by_expiry ON holds (expires_at) WHERE status IN ('PENDING', 'PARTIALLY_CAPTURED')`.execute(db);
  await sql`CREATE INDEX holds_open_by_account ON holds (account_id) WHERE status IN ('PENDING', 'PARTIALLY_CAPTURED')`.execute(db);

  await sql`
    CREATE TABLE transactions (
      id                      uuid        PRIMARY KEY,
      kind                    text        NOT NULL CHECK (kind IN ('TOP_UP', 'WITHDRAWAL', 'TRANSFER', 'REFUND', 'HOLD_CAPTURE')),
      description             text        NOT NULL DEFAULT '',
      metadata                jsonb       NOT NULL DEFAULT '{}',
      external_reference      text        NOT NULL DEFAULT '',
      original_transaction_id uuid        REFERENCES transactions (id),
      hold_id                 uuid        REFERENCES holds (id),
      caller                  text        NOT NULL,
      created_at              timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
      CONSTRAINT transactions_refund_has_original CHECK ((kind = 'REFUND') = (original_transaction_id IS NOT NULL)),
      CONSTRAINT transactions_capture_has_hold CHECK ((kind = 'HOLD_CAPTURE') = (hold_id IS NOT NULL))
    )
  `.execute(db);
  await sql`CREATE INDEX transactions_refunds_of ON transactions (original_transaction_id) WHERE original_transaction_id IS NOT NULL`.execute(db);

  await sql`
    CREATE TABLE postings (
      id                     bigserial   PRIMARY KEY,
      transaction_id         uuid        NOT NULL REFERENCES transactions (id),
      source_account_id      uuid        NOT NULL REFERENCES accounts (id),
      destination_account_id uuid        NOT NULL REFERENCES accounts (id),
      amount                 bigint      NOT NULL,
      currency               char(3)     NOT NULL,
      created_at             timestamptz NOT NULL,
      CONSTRAINT postings_amount_positive CHECK (amount > 0),
      CONSTRAINT postings_distinct_accounts CHECK (source_account_id <> destination_account_id)
    )
  `.execute(db);
  await sql`CREATE INDEX postings_by_transaction ON postings (transaction_id)`.execute(db);

  await sql`
    CREATE TABLE entries (
      account_id              uuid        NOT NULL REFERENCES accounts (id),
      sequence                bigint      NOT NULL,
      posting_id              bigint      NOT NULL REFERENCES postings (id),
      transaction_id          uuid        NOT NULL REFERENCES transactions (id),
      direction               text        NOT NULL CHECK (direction IN ('DEBIT', 'CREDIT')),
      amount                  bigint      NOT NULL CHECK (amount > 0),
      balance_after           bigint      NOT NULL,
      counterparty_account_id uuid        NOT NULL,
      posted_at               timestamptz NOT NULL,
      PRIMARY KEY (account_id, sequence)
    )
  `.execute(db);
  await sql`CREATE INDEX entries_by_time ON entries (account_id, posted_at, sequence)`.execute(db);

  // The journal is append-only: corrections are new transactions.
  await sql`
    CREATE FUNCTION ledger_refuse_journal_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'ledger journal table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END
    $$
  `.execute(db);
  for (const table of ["transactions", "postings", "entries"]) {
    await sql
      .raw(
        `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
           FOR EACH ROW EXECUTE FUNCTION ledger_refuse_journal_change()`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
           FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_journal_change()`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE entries, postings, transactions, holds, balances, accounts`.execute(db);
  await sql`DROP FUNCTION ledger_refuse_journal_change()`.execute(db);
}
