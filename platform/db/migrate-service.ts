import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DatabaseEntry } from "./database-url.js";
import { closeDb, createDb } from "./create-db.js";
import { ensureDatabase } from "./ensure-database.js";
import { migrateToLatest } from "./migrate.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** What migrating one service database did. */
export interface ServiceMigrationResult {
  /** True when the database did not exist and was created. */
  readonly created: boolean;
  /** Migrations applied by this run, in order. */
  readonly applied: string[];
}

/**
 * The release step for one service: creates its database when missing, then
 * applies `services/<owner>/migrations/` in order. With `options.schema`
 * (a service inside another service's database, see `resolveDatabaseUrl`),
 * the migrations and their bookkeeping go into that schema, created when
 * missing, and nothing outside it is touched. Used by `npm run migrate` and
 * `npm start`; services never migrate at start-up.
 */
export async function migrateServiceDatabase(
  entry: Pick<DatabaseEntry, "owner">,
  url: string,
  options: { onWarning?: (message: string) => void; schema?: string } = {},
): Promise<ServiceMigrationResult> {
  let created = false;
  try {
    created = await ensureDatabase(url);
  } catch (err) {
    // Managed servers may not let us reach the maintenance database; migrating
    // still works when the database exists and fails clearly when it does not.
    options.onWarning?.(`could not check or create the database (${(err as Error).message}); migrating anyway`);
  }
  const db = createDb(url, { poolSize: 1, applicationName: `migrate-${entry.owner}`, searchPath: options.schema });
  try {
    const applied = await migrateToLatest(db, path.join(repoRoot, "services", entry.owner, "migrations"), { schema: options.schema });
    return { created, applied };
  } finally {
    await closeDb(db);
  }
}
