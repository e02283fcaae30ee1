import { sql, type Kysely } from "kysely";

/**
 * Manual balance adjustments (AdjustBalance).
 *
 * - `accounts.kind` accepts SYSTEM_ADJUSTMENTS, the counterpart of every
 *   adjustment (one default account per currency, allowed to go negative).
 * - `transactions.kind` accepts ADJUSTMENT; an adjustment keeps its reason
 *   code in `metadata.adjustment_reason` (the row stays append-only), and a
 *   CHECK refuses one without a known code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE accounts
      DROP CONSTRAINT accounts_kind_check,
      ADD CONSTRAINT accounts_kind_check
        CHECK (kind IN ('USER_WALLET', 'SYSTEM_FUNDING', 'SYSTEM_FEES', 'SYSTEM_SETTLEMENT', 'SYSTEM_REFUNDS', 'SYSTEM_ADJUSTMENTS'))
  `.execute(db);
  await sql`
    ALTER TABLE transactions
      DROP CONSTRAINT transactions_kind_check,
      ADD CONSTRAINT transactions_kind_check
        CHECK (kind IN ('TOP_UP', 'WITHDRAWAL', 'TRANSFER', 'REFUND', 'HOLD_CAPTURE', 'ADJUSTMENT')),
      ADD CONSTRAINT transactions_adjustment_has_reason
        CHECK (kind <> 'ADJUSTMENT' OR coalesce(metadata->>'adjustment_reason', '') IN ('GOODWILL', 'CHARGEBACK', 'CORRECTION'))
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE transactions
      DROP CONSTRAINT transactions_adjustment_has_reason,
      DROP CONSTRAINT transactions_kind_check,
      ADD CONSTRAINT transactions_kind_check CHECK (kind IN ('TOP_UP', 'WITHDRAWAL', 'TRANSFER', 'REFUND', 'HOLD_CAPTURE'))
  `.execute(db);
  await sql`
    ALTER TABLE accounts
      DROP CONSTRAINT accounts_kind_check,
      ADD CONSTRAINT accounts_kind_check
        CHECK (kind IN ('USER_WALLET', 'SYSTEM_FUNDING', 'SYSTEM_FEES', 'SYSTEM_SETTLEMENT', 'SYSTEM_REFUNDS'))
  `.execute(db);
}
