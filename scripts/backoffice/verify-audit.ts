/**
 * `npm run backoffice:verify-audit`: recomputes the backoffice audit log's
 * hash chain (positions, links and each entry's hash over its content).
 * Prints a JSON summary; exits 1 naming the first broken position when the
 * chain is broken (an entry altered, removed or inserted out of band), 2 when
 * the check could not run.
 *
 * Database: BACKOFFICE_DATABASE_URL, or outside production the local default.
 */
import type { Kysely } from "kysely";
import { closeDb, createDb, resolveDatabaseUrl } from "#platform/db/index.js";
import type { BackofficeDatabase } from "../../services/backoffice/src/storage/backoffice.table.js";
import { verifyAuditChain } from "../../services/backoffice/src/verify-audit.js";

async function main(): Promise<number> {
  const { url } = resolveDatabaseUrl("BACKOFFICE_DATABASE_URL");
  const db = createDb<BackofficeDatabase>(url, { poolSize: 1, applicationName: "backoffice-verify-audit" }) as Kysely<BackofficeDatabase>;
  try {
    const report = await verifyAuditChain(db);
    const output = {
      clean: report.broken === undefined,
      entriesChecked: report.entriesChecked.toString(),
      lastPosition: report.lastPosition.toString(),
      lastHash: report.lastHash,
      ...(report.broken ? { firstBrokenPosition: report.broken.position.toString(), problem: report.broken.problem } : {}),
    };
    if (report.broken) {
      process.stderr.write(`${JSON.stringify(output, null, 2)}\naudit chain broken at position ${report.broken.position}: ${report.broken.problem}\n`);
      return 1;
    }
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    return 0;
  } finally {
    await closeDb(db);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`backoffice:verify-audit could not run: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
