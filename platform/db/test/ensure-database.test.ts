import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { randomSuffix, testInfrastructure } from "../../testing/index.js";
import { dropDatabase, ensureDatabase, withDatabase } from "../ensure-database.js";

async function exists(serverUrl: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return ((await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

test("two concurrent ensureDatabase calls create the database exactly once", async () => {
  const { postgresUrl } = await testInfrastructure();
  const name = `test_ensure_${randomSuffix()}`;
  const url = withDatabase(postgresUrl, name);
  try {
    const created = await Promise.all([ensureDatabase(url), ensureDatabase(url)]);
    assert.equal(created.filter(Boolean).length, 1);
    assert.equal(await exists(postgresUrl, name), true);
    assert.equal(await ensureDatabase(url), false);
  } finally {
    await dropDatabase(url);
  }
  assert.equal(await exists(postgresUrl, name), false);
});
