import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sql } from "kysely";
import { eur, fundedWallet, key, openWallet, useLedger } from "./support/ledger-harness.js";

const ledger = useLedger();

async function journal() {
  const { client: clientOf, db } = await ledger();
  const client = clientOf();
  const from = await fundedWallet(client, 100);
  const to = await openWallet(client);
  const res = await client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(10), idempotencyKey: key() });
  return { db, txId: res.transaction!.id };
}

describe("the journal is append-only", () => {
  it("refuses UPDATE of a posting", async () => {
    const { db, txId } = await journal();
    await assert.rejects(sql`UPDATE postings SET amount = 1 WHERE transaction_id = ${txId}`.execute(db), /append-only: UPDATE refused/);
  });

  it("refuses DELETE of a posting", async () => {
    const { db, txId } = await journal();
    await assert.rejects(sql`DELETE FROM postings WHERE transaction_id = ${txId}`.execute(db), /append-only: DELETE refused/);
  });

  it("refuses UPDATE of a transaction", async () => {
    const { db, txId } = await journal();
    await assert.rejects(sql`UPDATE transactions SET description = 'x' WHERE id = ${txId}`.execute(db), /append-only: UPDATE refused/);
  });

  it("refuses DELETE of a transaction", async () => {
    const { db, txId } = await journal();
    await assert.rejects(sql`DELETE FROM transactions WHERE id = ${txId}`.execute(db), /append-only: DELETE refused/);
  });

  it("refuses UPDATE and DELETE of statement entries", async () => {
    const { db, txId } = await journal();
    await assert.rejects(sql`UPDATE entries SET amount = 1 WHERE transaction_id = ${txId}`.execute(db), /append-only/);
    await assert.rejects(sql`DELETE FROM entries WHERE transaction_id = ${txId}`.execute(db), /append-only/);
  });

  it("refuses TRUNCATE of the journal tables", async () => {
    const { db } = await journal();
    for (const table of ["postings", "transactions", "entries"]) {
      await assert.rejects(sql.raw(`TRUNCATE ${table} CASCADE`).execute(db), /append-only: TRUNCATE refused/);
    }
  });

  it("refuses a balance below zero on a user wallet at the database level", async () => {
    const { client: clientOf, db } = await ledger();
    const wallet = await fundedWallet(clientOf(), 5);
    await assert.rejects(
      sql`UPDATE balances SET posted = -1 WHERE account_id = ${wallet}`.execute(db),
      /balances_available_non_negative/,
    );
  });
});
