import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import pg from "pg";
import { createTestDatabase } from "../test-database.js";
import { testInfrastructure } from "../infrastructure.js";

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: (await testInfrastructure()).postgresUrl });
  await client.connect();
  try {
    return ((await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

test("a fresh, uniquely named database is created for the test file and dropped afterwards", async () => {
  const first = await createTestDatabase();
  const second = await createTestDatabase();
  try {
    assert.match(first.name, /^test_test_database_[0-9a-f]{8}$/);
    assert.notEqual(first.name, second.name);
    const current = await sql<{ name: string }>`SELECT current_database() AS name`.execute(first.db);
    assert.equal(current.rows[0]?.name, first.name);
    assert.equal(await databaseExists(first.name), true);
  } finally {
    await first.drop();
    await second.drop();
  }
  assert.equal(await databaseExists(first.name), false);
  assert.equal(await databaseExists(second.name), false);
});
