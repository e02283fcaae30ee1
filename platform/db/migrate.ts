import { promises as fs } from "node:fs";
import path from "node:path";
import { FileMigrationProvider, Migrator, type Kysely } from "kysely";

/** Migration files are numbered and frozen: `0001_baseline.ts`, `0002_accounts.ts`. */
const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.(ts|js|mts|mjs)$/;

/** True for a file name the migrator treats as a migration. */
export function isMigrationFile(fileName: string): boolean {
  return MIGRATION_FILE.test(fileName) && !fileName.endsWith(".d.ts");
}

async function listMigrationFiles(folder: string): Promise<string[]> {
  try {
    return (await fs.readdir(folder)).filter(isMigrationFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/**
 * Applies every pending migration in `folder` (files exporting
 * `up(db: Kysely<any>)` and `down`) with Kysely's Migrator, which takes a
 * lock so concurrent runs against one database are safe. Returns the names it
 * applied, in order; a missing or empty folder applies nothing. On failure it
 * throws an error naming the failing migration, with the database error as
 * `cause`.
 */
export async function migrateToLatest(db: Kysely<any>, folder: string): Promise<string[]> {
  const absolute = path.resolve(folder);
  if ((await listMigrationFiles(absolute)).length === 0) return [];
  const migrator = new Migrator({
    db,
    provider: new FileMigrationProvider({
      fs: { readdir: listMigrationFiles },
      path,
      migrationFolder: absolute,
    }),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === "Error");
    const what = failed ? `migration ${failed.migrationName}` : `migrations in ${absolute}`;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${what} failed: ${reason}`, { cause: error });
  }
  return results.filter((r) => r.status === "Success").map((r) => r.migrationName);
}
