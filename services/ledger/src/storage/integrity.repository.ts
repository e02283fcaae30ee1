import { sql, type Kysely } from "kysely";
import type { LedgerDatabase } from "./ledger.table.js";

/** One account whose stored balance disagrees with its journal or holds. */
export interface BalanceDifference {
  readonly accountId: string;
  readonly currency: string;
  readonly storedPosted: bigint;
  readonly recomputedPosted: bigint;
  readonly storedHeld: bigint;
  readonly recomputedHeld: bigint;
}

/** Findings of {@link recomputeBalances}. */
export interface IntegrityReport {
  readonly accountsChecked: bigint;
  readonly postingsChecked: bigint;
  readonly differences: BalanceDifference[];
  /** Currencies whose balances do not sum to zero over all accounts (only with every account checked). */
  readonly unbalancedCurrencies: Array<{ currency: string; amountMinor: bigint }>;
  readonly checkedAt: Date;
}

/**
 * Recomputes every balance (or those of `accountIds`) from the postings and
 * the open holds, in one REPEATABLE READ read-only snapshot, and compares
 * them with the stored balances; with every account checked, also sums stored
 * and recomputed balances per currency, which must be zero (double entry).
 * The one query behind VerifyIntegrity and `npm run ledger:verify`.
 */
export async function recomputeBalances(db: Kysely<LedgerDatabase>, accountIds: readonly string[] = []): Promise<IntegrityReport> {
  return db
    .transaction()
    .setIsolationLevel("repeatable read")
    .setAccessMode("read only")
    .execute(async (trx) => {
      const filter = accountIds.length > 0 ? sql`WHERE b.account_id = ANY(${[...accountIds]}::uuid[])` : sql``;
      const postingFilter =
        accountIds.length > 0
          ? sql`WHERE source_account_id = ANY(${[...accountIds]}::uuid[]) OR destination_account_id = ANY(${[...accountIds]}::uuid[])`
          : sql``;
      const { rows } = await sql<{
        account_id: string;
        currency: string;
        stored_posted: bigint;
        stored_held: bigint;
        recomputed_posted: bigint;
        recomputed_held: bigint;
      }>`
        WITH moves AS (
          SELECT source_account_id AS account_id, -amount AS delta FROM postings
          UNION ALL
          SELECT destination_account_id, amount FROM postings
        ), posted AS (
          SELECT account_id, sum(delta) AS posted FROM moves GROUP BY account_id
        ), held AS (
          SELECT account_id, sum(amount - captured) AS held
            FROM holds WHERE status IN ('PENDING', 'PARTIALLY_CAPTURED') GROUP BY account_id
        )
        SELECT b.account_id, b.currency, b.posted AS stored_posted, b.held AS stored_held,
               coalesce(p.posted, 0)::bigint AS recomputed_posted, coalesce(h.held, 0)::bigint AS recomputed_held
          FROM balances b
          LEFT JOIN posted p ON p.account_id = b.account_id
          LEFT JOIN held h ON h.account_id = b.account_id
          ${filter}
      `.execute(trx);
      const { rows: counts } = await sql<{ postings: bigint; checked_at: Date }>`
        SELECT count(*)::bigint AS postings, clock_timestamp() AS checked_at FROM postings ${postingFilter}
      `.execute(trx);
      const differences: BalanceDifference[] = [];
      const sums = new Map<string, { stored: bigint; recomputed: bigint }>();
      for (const row of rows) {
        if (row.stored_posted !== row.recomputed_posted || row.stored_held !== row.recomputed_held) {
          differences.push({
            accountId: row.account_id,
            currency: row.currency,
            storedPosted: row.stored_posted,
            recomputedPosted: row.recomputed_posted,
            storedHeld: row.stored_held,
            recomputedHeld: row.recomputed_held,
          });
        }
        const sum = sums.get(row.currency) ?? { stored: 0n, recomputed: 0n };
        sum.stored += row.stored_posted;
        sum.recomputed += row.recomputed_posted;
        sums.set(row.currency, sum);
      }
      const unbalancedCurrencies =
        accountIds.length > 0
          ? []
          : [...sums]
              .filter(([, sum]) => sum.stored !== 0n || sum.recomputed !== 0n)
              .map(([currency, sum]) => ({ currency, amountMinor: sum.stored !== 0n ? sum.stored : sum.recomputed }));
      differences.sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
      return {
        accountsChecked: BigInt(rows.length),
        postingsChecked: counts[0]?.postings ?? 0n,
        differences,
        unbalancedCurrencies,
        checkedAt: counts[0]?.checked_at ?? new Date(),
      };
    });
}
