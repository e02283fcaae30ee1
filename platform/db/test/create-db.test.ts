import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { useTestDatabase } from "../../testing/index.js";
import { dbReadinessCheck } from "../readiness.js";
import { createDb, closeDb } from "../create-db.js";
import { withDatabase } from "../ensure-database.js";

const migrations = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "migrations-ok");
const database = useTestDatabase({ migrationsFolder: migrations });

test("int8 columns arrive as BigInt and numeric columns as exact strings", async () => {
  const { db } = await database();
  const big = 9_007_199_254_740_993n; // 2^53 + 1: a number would round it
  await db.insertInto("accounts").values({ id: "a1", balance_minor: big, rate: "0.1234567891" }).execute();
  const row = await db.selectFrom("accounts").selectAll().where("id", "=", "a1").executeTakeFirstOrThrow();
  assert.equal(row.balance_minor, big);
  assert.equal(row.rate, "0.1234567891");
});

test("the readiness check passes on a live database", async () => {
  const { db } = await database();
  await dbReadinessCheck(db).check();
});

test("the readiness check fails when the database does not answer", async () => {
  const { url } = await database();
  const missing = createDb(withDatabase(url, `${new URL(url).pathname.slice(1)}_absent`), { connectionTimeoutMs: 2_000 });
  try {
    await assert.rejects(dbReadinessCheck(missing).check(), /does not exist/);
  } finally {
    await closeDb(missing);
  }
});
