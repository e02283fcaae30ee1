import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { sql } from "kysely";
import { recomputeBalances } from "../src/storage/integrity.repository.js";
import { eur, fundedWallet, key, openWallet, refusal, useLedger, type LedgerClient } from "./support/ledger-harness.js";

const ledger = useLedger({ poolSize: 24 });

/** Deterministic pseudo-random numbers, so a failing run can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state % n;
  };
}

describe("money invariants under concurrency", () => {
  it("refuses all but one of 100 concurrent debits of a wallet that covers only one", async () => {
    const { client: clientOf, db } = await ledger();
    const client = clientOf();
    const wallet = await fundedWallet(client, 100);
    const targets = await Promise.all(Array.from({ length: 4 }, () => openWallet(client)));
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        client.transfer({ fromAccountId: wallet, toAccountId: targets[i % 4]!, amount: eur(100), idempotencyKey: key() }),
      ),
    );
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results) {
      if (r.status === "fulfilled") continue;
      const refused = await refusal(Promise.reject(r.reason));
      assert.deepEqual([refused.code, refused.reason], [Code.FailedPrecondition, "INSUFFICIENT_FUNDS"]);
    }
    const debits = await db.selectFrom("postings").select("id").where("source_account_id", "=", wallet).execute();
    assert.equal(debits.length, 1);
    assert.equal((await client.getBalance({ accountId: wallet })).balance?.posted?.amountMinor, 0n);
  });

  it("keeps every currency's total, no wallet below zero and stored = recomputed through 2,400 random transfers, refunds and holds from 32 clients", async () => {
    const { client: clientOf, db } = await ledger();
    const setup = clientOf();
    const WALLETS = 16;
    const START = 10_000n;
    const wallets: Record<string, string[]> = { EUR: [], USD: [] };
    for (const currency of ["EUR", "USD"]) {
      for (let i = 0; i < WALLETS; i++) wallets[currency]!.push(await fundedWallet(setup, START, currency));
    }
    // Other tests of this file share the database: take the totals before the run as the reference.
    const totalsQuery = sql<{ currency: string; total: string; lowest: string; all_accounts: string }>`
      SELECT b.currency,
             sum(b.posted) FILTER (WHERE a.kind = 'USER_WALLET')::text AS total,
             min(b.posted - b.held) FILTER (WHERE a.kind = 'USER_WALLET')::text AS lowest,
             sum(b.posted)::text AS all_accounts
        FROM balances b JOIN accounts a ON a.id = b.account_id
       GROUP BY b.currency
    `;
    const expected = new Map((await totalsQuery.execute(db)).rows.map((row) => [row.currency, BigInt(row.total)]));
    assert.equal(expected.get("USD"), START * BigInt(WALLETS));
    const transfers: string[] = [];
    const holds: string[] = [];
    const unexpected: unknown[] = [];
    const readerProblems: string[] = [];
    let reads = 0;
    let done = false;

    // The reader: one query sums every user wallet per currency and finds the lowest available.
    const reader = (async () => {
      while (!done) {
        const { rows } = await totalsQuery.execute(db);
        for (const row of rows) {
          if (BigInt(row.total) !== expected.get(row.currency)) readerProblems.push(`${row.currency} wallets total ${row.total}`);
          if (BigInt(row.lowest) < 0n) readerProblems.push(`${row.currency} wallet available ${row.lowest}`);
          if (BigInt(row.all_accounts) !== 0n) readerProblems.push(`${row.currency} ledger total ${row.all_accounts}`);
        }
        reads++;
      }
    })();

    const OPS = 2_400;
    const CLIENTS = 32;
    let next = 0;
    const worker = async (client: LedgerClient, seed: number) => {
      const rnd = random(seed);
      while (next < OPS) {
        next++;
        const currency = rnd(2) === 0 ? "EUR" : "USD";
        const pool = wallets[currency]!;
        const a = pool[rnd(pool.length)]!;
        let b = pool[rnd(pool.length)]!;
        if (a === b) b = pool[(pool.indexOf(a) + 1) % pool.length]!;
        const amount = { amountMinor: BigInt(1 + rnd(3_000)), currency };
        const op = rnd(100);
        try {
          if (op < 50) {
            const res = await client.transfer({ fromAccountId: a, toAccountId: b, amount, idempotencyKey: key() });
            transfers.push(res.transaction!.id);
          } else if (op < 62 && transfers.length > 0) {
            const original = transfers[rnd(transfers.length)]!;
            await client.refund({ originalTransactionId: original, amount: rnd(2) ? undefined : { ...amount, amountMinor: BigInt(1 + rnd(500)) }, reason: "r", idempotencyKey: key() });
          } else if (op < 80) {
            const res = await client.authorizeHold({ accountId: a, destinationAccountId: b, amount, idempotencyKey: key() });
            holds.push(res.hold!.id);
          } else if (op < 92 && holds.length > 0) {
            const hold = holds[rnd(holds.length)]!;
            await client.captureHold({ holdId: hold, amount: rnd(2) ? undefined : { amountMinor: BigInt(1 + rnd(1_000)), currency: "EUR" }, finalCapture: rnd(2) === 0, idempotencyKey: key() });
          } else if (holds.length > 0) {
            await client.voidHold({ holdId: holds[rnd(holds.length)]!, reason: "v", idempotencyKey: key() });
          }
        } catch (err) {
          // Refusals of the business rules are expected; anything else is a bug.
          const code = ConnectError.from(err).code;
          if (code !== Code.FailedPrecondition) unexpected.push(err);
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => worker(clientOf(`client-${i}`), 7 + i)));
    done = true;
    await reader;

    assert.deepEqual(unexpected, []);
    assert.deepEqual(readerProblems.slice(0, 5), []);
    assert.ok(reads > 0);
    for (const row of (await totalsQuery.execute(db)).rows) assert.equal(BigInt(row.total), expected.get(row.currency));
    assert.ok(transfers.length > 200, `only ${transfers.length} transfers succeeded`);
    const report = await recomputeBalances(db);
    assert.deepEqual(report.differences, []);
    assert.deepEqual(report.unbalancedCurrencies, []);
    const integrity = await setup.verifyIntegrity({});
    assert.equal(integrity.discrepancies.length, 0);
    assert.equal(integrity.unbalancedCurrencies.length, 0);
    const { rows } = await sql<{ n: string }>`
      SELECT count(*)::text AS n FROM (
        SELECT original_transaction_id FROM transactions t JOIN postings p ON p.transaction_id = t.id
         WHERE t.original_transaction_id IS NOT NULL GROUP BY original_transaction_id
        HAVING sum(p.amount) > (SELECT amount FROM postings WHERE transaction_id = t.original_transaction_id)
      ) over_refunded
    `.execute(db);
    assert.equal(rows[0]?.n, "0");
  });
});
