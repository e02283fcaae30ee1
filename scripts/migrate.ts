/**
 * Release command: creates missing service databases and applies pending
 * migrations. Never run by the services themselves at start-up.
 *
 *   npm run migrate                 every service database
 *   npm run migrate -- ledger risk  only these services' databases
 *
 * Each database comes from its variable (LEDGER_DATABASE_URL, ...) or, outside
 * production, the local default postgres://postgres@127.0.0.1:5432/<name>.
 * With AUDIT_EXPORT_DATABASE_URL unset and BACKOFFICE_DATABASE_URL set,
 * audit-export is migrated into the backoffice database's schema audit_export
 * (its bookkeeping included), leaving the backoffice's tables alone.
 * Exits non-zero when any database fails; the others are still migrated.
 */
import { databases } from "../platform/mesh/catalogue.js";
import { databaseEntry, migrateServiceDatabase, resolveDatabaseUrl, type DatabaseEntry } from "../platform/db/index.js";
import { maskUrlCredentials } from "../platform/config/index.js";

async function migrateOne(entry: DatabaseEntry): Promise<void> {
  const { url, source, schema } = resolveDatabaseUrl(entry.env);
  const where = source === "local-default" ? ", local default" : source === "shared-backoffice" ? ` unset, BACKOFFICE_DATABASE_URL's database, schema ${schema}` : "";
  const label = `${entry.owner} (${entry.env}${where}: ${maskUrlCredentials(url)})`;
  const { created, applied } = await migrateServiceDatabase(entry, url, { schema, onWarning: (m) => console.warn(`${label}: ${m}`) });
  if (created) console.log(`${label}: created database`);
  console.log(applied.length ? `${label}: applied ${applied.join(", ")}` : `${label}: up to date`);
}

async function main(args: string[]): Promise<number> {
  let selected: DatabaseEntry[];
  try {
    selected = args.length ? args.map((name) => databaseEntry(name)) : [...databases];
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  let failures = 0;
  for (const entry of selected) {
    try {
      await migrateOne(entry);
    } catch (err) {
      failures++;
      const cause = (err as Error).cause;
      console.error(`${entry.owner}: ${(err as Error).message}${cause instanceof Error && cause.message !== (err as Error).message ? ` (${cause.message})` : ""}`);
    }
  }
  return failures ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2).filter((a) => a !== "--"));
