import type { Kysely } from "kysely";
import { closeDb, createDb, dropDatabase, ensureDatabase, migrateToLatest, withDatabase } from "../db/index.js";
import { testInfrastructure } from "./infrastructure.js";
import { useResource } from "./use-resource.js";
import { randomSuffix, testFileSlug } from "./unique-name.js";

/** A database of its own for one test file. */
export interface TestDatabase<DB = any> {
  readonly name: string;
  readonly url: string;
  readonly db: Kysely<DB>;
  /** Applied migration names (empty without a folder). */
  readonly migrations: string[];
  /** Closes the pool and drops the database, disconnecting stragglers. */
  drop(): Promise<void>;
}

/** Options for {@link createTestDatabase}. */
export interface TestDatabaseOptions {
  /** A `services/<name>/migrations` folder to apply. */
  readonly migrationsFolder?: string;
  /** Pool size of `db`; default 5. */
  readonly poolSize?: number;
}

/**
 * Creates a uniquely named database (`test_<file>_<random>`) on the test
 * server, migrated when a folder is given. Call `drop()` when done.
 */
export async function createTestDatabase<DB = any>(options: TestDatabaseOptions = {}): Promise<TestDatabase<DB>> {
  const infra = await testInfrastructure();
  const name = `test_${testFileSlug()}_${randomSuffix()}`;
  const url = withDatabase(infra.postgresUrl, name);
  await ensureDatabase(url);
  const db = createDb<DB>(url, { poolSize: options.poolSize ?? 5, applicationName: name });
  const drop = async () => {
    await closeDb(db);
    await dropDatabase(url);
  };
  try {
    const migrations = options.migrationsFolder ? await migrateToLatest(db, options.migrationsFolder) : [];
    return { name, url, db, migrations, drop };
  } catch (err) {
    await drop();
    throw err;
  }
}

/**
 * Registers node:test hooks that create a test database before the file's
 * tests and drop it after them; returns an async accessor:
 *
 * ```ts
 * const database = useTestDatabase({ migrationsFolder: "services/ledger/migrations" });
 * test("...", async () => {
 *   const { db } = await database();
 * });
 * ```
 */
export function useTestDatabase<DB = any>(options: TestDatabaseOptions = {}): () => Promise<TestDatabase<DB>> {
  return useResource(() => createTestDatabase<DB>(options), (database) => database.drop());
}
