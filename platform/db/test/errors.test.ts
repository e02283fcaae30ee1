import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { useTestDatabase } from "../../testing/index.js";
import { isDeadlock, isSerializationFailure, isUniqueViolation } from "../errors.js";

const database = useTestDatabase();

/** Runs `fn` on a dedicated connection to the test database. */
async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: (await database()).url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => assert.fail("expected an error"), (err: unknown) => err);
}

test("a duplicate key is recognised as a unique violation of its constraint", async () => {
  await withClient(async (c) => {
    await c.query("CREATE TABLE idem (key text CONSTRAINT idem_key_unique UNIQUE)");
    await c.query("INSERT INTO idem VALUES ('k')");
    const err = await caught(c.query("INSERT INTO idem VALUES ('k')"));
    assert.equal(isUniqueViolation(err), true);
    assert.equal(isUniqueViolation(err, "idem_key_unique"), true);
    assert.equal(isUniqueViolation(err, "other_constraint"), false);
    assert.equal(isSerializationFailure(err), false);
  });
});

test("conflicting serializable transactions raise a recognised serialization failure", async () => {
  await withClient((c) => c.query("CREATE TABLE ser (v int)"));
  await withClient((a) =>
    withClient(async (b) => {
      for (const c of [a, b]) await c.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
      await a.query("SELECT sum(v) FROM ser");
      await b.query("SELECT sum(v) FROM ser");
      await a.query("INSERT INTO ser VALUES (1)");
      await b.query("INSERT INTO ser VALUES (2)");
      await a.query("COMMIT");
      const err = await caught(b.query("COMMIT"));
      assert.equal(isSerializationFailure(err), true);
      assert.equal(isDeadlock(err), false);
    }),
  );
});

test("two transactions locking rows in opposite order raise a recognised deadlock", async () => {
  await withClient((c) => c.query("CREATE TABLE dl (id int PRIMARY KEY); INSERT INTO dl VALUES (1), (2)"));
  await withClient((a) =>
    withClient(async (b) => {
      for (const c of [a, b]) await c.query("BEGIN");
      await a.query("SELECT * FROM dl WHERE id = 1 FOR UPDATE");
      await b.query("SELECT * FROM dl WHERE id = 2 FOR UPDATE");
      const first = a.query("SELECT * FROM dl WHERE id = 2 FOR UPDATE").then(() => undefined, (e: unknown) => e);
      const second = b.query("SELECT * FROM dl WHERE id = 1 FOR UPDATE").then(() => undefined, (e: unknown) => e);
      const errors = (await Promise.all([first, second])).filter(Boolean);
      assert.equal(errors.length, 1, "PostgreSQL aborts exactly one of the two");
      assert.equal(isDeadlock(errors[0]), true);
      for (const c of [a, b]) await c.query("ROLLBACK");
    }),
  );
});
