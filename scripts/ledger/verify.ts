/**
 * `npm run ledger:verify`: recomputes every ledger balance from the postings
 * and open holds and compares it with the stored balances (the same query as
 * the VerifyIntegrity RPC). Prints a JSON summary; exits 1 and lists every
 * difference when there is one, 2 when the check could not run.
 *
 * Database: LEDGER_DATABASE_URL, or outside production the local default
 * (postgres://postgres@127.0.0.1:5432/wallet_ledger).
 */
import type { Kysely } from "kysely";
import { closeDb, createDb, resolveDatabaseUrl } from "#platform/db/index.js";
import { recomputeBalances } from "../../services/ledger/src/storage/integrity.repository.js";
import type { LedgerDatabase } from "../../services/ledger/src/storage/ledger.table.js";

async function main(): Promise<number> {
  const { url } = resolveDatabaseUrl("LEDGER_DATABASE_URL");
  const db = createDb<LedgerDatabase>(url, { poolSize: 1, applicationName: "ledger-verify" }) as Kysely<LedgerDatabase>;
  try {
    const report = await recomputeBalances(db);
    const clean = report.differences.length === 0 && report.unbalancedCurrencies.length === 0;
    const output = {
      clean,
      accountsChecked: report.accountsChecked.toString(),
      postingsChecked: report.postingsChecked.toString(),
      checkedAt: report.checkedAt.toISOString(),
      differences: report.differences.map((d) => ({
        accountId: d.accountId,
        currency: d.currency,
        storedPosted: d.storedPosted.toString(),
        recomputedPosted: d.recomputedPosted.toString(),
        storedHeld: d.storedHeld.toString(),
        recomputedHeld: d.recomputedHeld.toString(),
      })),
      unbalancedCurrencies: report.unbalancedCurrencies.map((u) => ({ currency: u.currency, amountMinor: u.amountMinor.toString() })),
    };
    (clean ? process.stdout : process.stderr).write(`${JSON.stringify(output, null, 2)}\n`);
    return clean ? 0 : 1;
  } finally {
    await closeDb(db);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`ledger:verify could not run: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
