import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { sql } from "kysely";
import { createTestDatabase } from "../../testing/index.js";
import { migrateToLatest } from "../migrate.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

test("migrateToLatest applies pending migrations in order and then nothing", async () => {
  const database = await createTestDatabase();
  try {
    assert.deepEqual(await migrateToLatest(database.db, path.join(fixtures, "migrations-ok")), ["0001_create_accounts", "0002_add_currency"]);
    assert.deepEqual(await migrateToLatest(database.db, path.join(fixtures, "migrations-ok")), []);
  } finally {
    await database.drop();
  }
});

test("a failing migration is named in the error and rolled back", async () => {
  const database = await createTestDatabase();
  try {
    await assert.rejects(migrateToLatest(database.db, path.join(fixtures, "migrations-broken")), /migration 0002_broken failed: .*no_such_table/);
    // PostgreSQL DDL is transactional and Kysely runs the batch in one transaction.
    const tables = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'accounts'`.execute(database.db);
    assert.equal(tables.rows[0]?.n, 0);
  } finally {
    await database.drop();
  }
});

test("a missing migrations folder applies nothing", async () => {
  const database = await createTestDatabase();
  try {
    assert.deepEqual(await migrateToLatest(database.db, path.join(fixtures, "does-not-exist")), []);
  } finally {
    await database.drop();
  }
});

test("every service baseline records its owner in service_metadata", async () => {
  const database = await createTestDatabase({ migrationsFolder: path.join(fixtures, "../../../../services/ledger/migrations") });
  try {
    const row = await database.db.selectFrom("service_metadata").select("value").where("key", "=", "schema_owner").executeTakeFirst();
    assert.equal(row?.value, "ledger");
  } finally {
    await database.drop();
  }
});
