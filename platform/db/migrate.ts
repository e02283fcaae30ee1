import { promises as fs } from "node:fs";
import path from "node:path";
import { FileMigrationProvider, Migrator, sql, type Kysely } from "kysely";
import { checkSchemaName } from "./search-path.js";

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

/** SQLSTATE codes CREATE SCHEMA IF NOT EXISTS may still raise when another session created it at the same moment. */
const DUPLICATE_SCHEMA = "42P06";
const UNIQUE_VIOLATION = "23505";

/** Options for {@link migrateToLatest}. */
export interface MigrateOptions {
  /**
   * Migrate into this schema instead of the default one: it is created when
   * missing and holds Kysely's bookkeeping (`kysely_migration`,
   * `kysely_migration_lock`); `db`'s connections must resolve unqualified
   * names in it (createDb's `searchPath`), so the migrations' own tables land
   * there too. For a service living inside another service's database.
   */
  readonly schema?: string;
}

/**
 * Creates `schema` when missing and checks that `db`'s connections resolve
 * unqualified names in it; throws naming the schema otherwise.
 */
async function prepareSchema(db: Kysely<any>, schema: string): Promise<void> {
  try {
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(checkSchemaName(schema))}`.execute(db);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== DUPLICATE_SCHEMA && code !== UNIQUE_VIOLATION) throw err;
  }
  const { rows } = await sql<{ schema: string | null }>`SELECT current_schema() AS schema`.execute(db);
  if (rows[0]?.schema !== schema) {
    throw new Error(`migrating into schema ${schema} needs connections whose search_path is ${schema} (createDb's searchPath); current schema: ${rows[0]?.schema ?? "none"}`);
  }
}

/**
 * Applies every pending migration in `folder` (files exporting
 * `up(db: Kysely<any>)` and `down`) with Kysely's Migrator, which takes a
 * lock so concurrent runs against one database are safe. Returns the names it
 * applied, in order; a missing or empty folder applies nothing. On failure it
 * throws an error naming the failing migration, with the database error as
 * `cause`. With `options.schema`, everything happens in that schema (see
 * {@link MigrateOptions}).
 */
export async function migrateToLatest(db: Kysely<any>, folder: string, options: MigrateOptions = {}): Promise<string[]> {
  const absolute = path.resolve(folder);
  if ((await listMigrationFiles(absolute)).length === 0) return [];
  if (options.schema !== undefined) await prepareSchema(db, options.schema);
  const migrator = new Migrator({
    db,
    ...(options.schema !== undefined ? { migrationTableSchema: options.schema } : {}),
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
