import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { sql } from "kysely";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import type { Status } from "#gen/google/rpc/status_pb.js";
import type { TransferRequest, TransferResult } from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { TransferRequestSchema } from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import { RiskContextSchema } from "#gen/wallet/ledger/v1/risk_context_pb.js";
import { create } from "@bufbuild/protobuf";
import { recomputeBalances } from "../src/storage/integrity.repository.js";
import { eur, fundedWallet, key, openWallet, refusal, useLedger, type LedgerClient } from "./support/ledger-harness.js";

const ledger = useLedger({ poolSize: 24 });

/** A transfer request of a batch, with a fresh key. */
const transfer = (from: string, to: string, amount: number, idempotencyKey: string = key()): MessageInitShape<typeof TransferRequestSchema> => ({
  fromAccountId: from,
  toAccountId: to,
  amount: eur(amount),
  description: "batch",
  idempotencyKey,
});

/** The ErrorInfo reason of a refused result. */
function reasonOf(result: TransferResult): string | undefined {
  if (result.outcome.case !== "refused") return undefined;
  const status: Status = result.outcome.value;
  return anyUnpack(status.details[0]!, ErrorInfoSchema)?.reason;
}

const postedCount = (results: readonly TransferResult[]) => results.filter((r) => r.outcome.case === "posted").length;

describe("CreateTransfers", () => {
  it("posts each transfer with its own result, in request order", async () => {
    const h = await ledger();
    const payments = h.client("payments");
    const [a, b, c] = await Promise.all([fundedWallet(payments, 100), openWallet(payments), openWallet(payments)]);
    const { results } = await payments.createTransfers({ transfers: [transfer(a, b, 60), transfer(a, c, 60), transfer(a, c, 40)] });
    assert.deepEqual(
      results.map((r) => r.outcome.case),
      ["posted", "refused", "posted"],
    );
    assert.equal(reasonOf(results[1]!), "INSUFFICIENT_FUNDS");
    assert.equal((results[1]!.outcome.value as Status).code, Code.FailedPrecondition);
    assert.equal((await payments.getBalance({ accountId: a })).balance?.posted?.amountMinor, 0n);
    const first = results[0]!.outcome.value as { fromBalance?: { posted?: { amountMinor: bigint } } };
    assert.equal(first.fromBalance?.posted?.amountMinor, 40n, "each result has the balance right after its own transfer");
  });

  it("replays posted transfers on a retry with their keys and executes the refused ones again", async () => {
    const h = await ledger();
    const payments = h.client("payments");
    const [a, b] = await Promise.all([fundedWallet(payments, 50), openWallet(payments)]);
    const batch = [transfer(a, b, 50), transfer(a, b, 10)];
    const first = await payments.createTransfers({ transfers: batch });
    assert.deepEqual(first.results.map((r) => r.outcome.case), ["posted", "refused"]);
    await payments.topUp({ accountId: a, amount: eur(10), idempotencyKey: key() });
    const retry = await payments.createTransfers({ transfers: batch });
    assert.deepEqual(retry.results.map((r) => [r.outcome.case, r.replayed]), [["posted", true], ["posted", false]]);
    assert.deepEqual(retry.results[0]!.outcome.value, first.results[0]!.outcome.value, "a replay answers the original result");
  });

  it("answers a transfer of a batch to a Transfer call with its key as a replay", async () => {
    const h = await ledger();
    const payments = h.client("payments");
    const [a, b] = await Promise.all([fundedWallet(payments, 50), openWallet(payments)]);
    const request = transfer(a, b, 20);
    const { results } = await payments.createTransfers({ transfers: [request] });
    let replayed: string | null = null;
    const single = await payments.transfer(request, { onHeader: (headers) => (replayed = headers.get("idempotent-replayed")) });
    assert.equal(replayed, "true");
    assert.deepEqual(single, results[0]!.outcome.value);
  });

  it("posts nothing of an atomic batch with a refusal and names the refused transfer", async () => {
    const h = await ledger();
    const payments = h.client("payments");
    const [a, b] = await Promise.all([fundedWallet(payments, 100), openWallet(payments)]);
    const r = await refusal(payments.createTransfers({ atomic: true, transfers: [transfer(a, b, 30), transfer(b, a, 500), transfer(a, b, 30)] }));
    assert.deepEqual([r.code, r.reason, r.metadata.transfer_index], [Code.FailedPrecondition, "INSUFFICIENT_FUNDS", "1"]);
    assert.equal((await payments.getBalance({ accountId: a })).balance?.posted?.amountMinor, 100n);
    const { results } = await payments.createTransfers({ atomic: true, transfers: [transfer(a, b, 30), transfer(a, b, 30)] });
    assert.equal(postedCount(results), 2, "an atomic batch that passes posts everything");
  });

  it("refuses an empty batch, more than 1,000 transfers, a repeated key and a risk context, naming the field", async () => {
    const h = await ledger();
    const payments = h.client("payments");
    const [a, b] = await Promise.all([fundedWallet(payments, 10), openWallet(payments)]);
    const cases: Array<[MessageInitShape<typeof TransferRequestSchema>[], string]> = [
      [[], "transfers"],
      [Array.from({ length: 1_001 }, () => transfer(a, b, 1)), "transfers"],
      [[transfer(a, b, 1, "same"), transfer(a, b, 2, "same")], "transfers[1].idempotency_key"],
      [[transfer(a, b, 1), { ...transfer(a, b, 1), riskContext: create(RiskContextSchema, { userId: "u" }) }], "transfers[1].risk_context"],
      [[transfer(a, b, 1), { ...transfer(a, b, 1), toAccountId: "nope" }], "transfers[1].to_account_id"],
    ];
    for (const [transfers, field] of cases) {
      const r = await refusal(payments.createTransfers({ transfers }));
      assert.deepEqual([r.code, r.metadata.field], [Code.InvalidArgument, field], field);
    }
    assert.equal((await payments.getBalance({ accountId: a })).balance?.posted?.amountMinor, 10n);
  });
});

describe("money invariants across batches", () => {
  it("posts one of two spends of the same money in two batches committing at once, on two ledger instances", async () => {
    const h = await ledger();
    // Two clients over separate handler sets: two ledger instances, each with its own group commit.
    const [one, two] = [h.client("payments"), h.client("payments")];
    for (let round = 0; round < 15; round++) {
      const wallet = await fundedWallet(one, 100);
      const [x, y] = await Promise.all([openWallet(one), openWallet(one)]);
      const bystanders = await Promise.all(Array.from({ length: 6 }, () => fundedWallet(one, 10)));
      const filler = (from: number) => bystanders.slice(from, from + 3).map((w, i) => transfer(w, bystanders[(from + i + 3) % 6]!, 1));
      const [first, second] = await Promise.all([
        one.createTransfers({ transfers: [...filler(0), transfer(wallet, x, 100)] }),
        two.createTransfers({ transfers: [...filler(3), transfer(wallet, y, 100)] }),
      ]);
      const spends = [first.results.at(-1)!, second.results.at(-1)!];
      assert.equal(postedCount(spends), 1, `round ${round}: exactly one spend posts`);
      assert.equal(spends.map(reasonOf).filter(Boolean)[0], "INSUFFICIENT_FUNDS");
      assert.equal(postedCount([...first.results, ...second.results]), 7, "the other transfers of both batches post");
      assert.equal((await one.getBalance({ accountId: wallet })).balance?.posted?.amountMinor, 0n);
    }
  });

  it("keeps every total, no wallet below zero and stored = recomputed through single transfers and batches from 32 clients", async () => {
    const h = await ledger();
    const setup = h.client("payments");
    const wallets = await Promise.all(Array.from({ length: 24 }, () => fundedWallet(setup, 5_000)));
    const totalsQuery = sql<{ total: string; lowest: string; all_accounts: string }>`
      SELECT sum(b.posted) FILTER (WHERE a.kind = 'USER_WALLET' AND b.account_id = ANY (${wallets}::uuid[]))::text AS total,
             min(b.posted - b.held) FILTER (WHERE a.kind = 'USER_WALLET')::text AS lowest,
             sum(b.posted)::text AS all_accounts
        FROM balances b JOIN accounts a ON a.id = b.account_id WHERE b.currency = 'EUR'
    `;
    const expected = 5_000n * 24n;
    const problems: string[] = [];
    let done = false;
    let reads = 0;
    const reader = (async () => {
      while (!done) {
        const row = (await totalsQuery.execute(h.db)).rows[0]!;
        if (BigInt(row.total) !== expected) problems.push(`wallets total ${row.total}`);
        if (BigInt(row.lowest) < 0n) problems.push(`a wallet at ${row.lowest}`);
        if (BigInt(row.all_accounts) !== 0n) problems.push(`ledger total ${row.all_accounts}`);
        reads++;
      }
    })();

    // One shared handler set, so single transfers meet in group commits; batches go beside them.
    const singles = h.client("mobile-bff");
    const batches = h.client("payments");
    let seed = 11;
    const rnd = (n: number) => ((seed = (seed * 1_664_525 + 1_013_904_223) >>> 0) % n);
    const pair = (): [string, string] => {
      const a = rnd(wallets.length);
      return [wallets[a]!, wallets[(a + 1 + rnd(wallets.length - 1)) % wallets.length]!];
    };
    const unexpected: string[] = [];
    let posted = 0;
    const worker = async (client: LedgerClient, batched: boolean) => {
      for (let i = 0; i < 25; i++) {
        try {
          if (batched) {
            const transfers = Array.from({ length: 1 + rnd(40) }, () => transfer(...pair(), 1 + rnd(900)));
            const { results } = await client.createTransfers({ transfers, atomic: rnd(4) === 0 });
            for (const r of results) {
              if (r.outcome.case === "posted") posted++;
              else if (reasonOf(r) !== "INSUFFICIENT_FUNDS") unexpected.push(`batch: ${reasonOf(r)}`);
            }
          } else {
            await client.transfer(transfer(...pair(), 1 + rnd(900)));
            posted++;
          }
        } catch (err) {
          const error = ConnectError.from(err);
          if (error.code !== Code.FailedPrecondition) unexpected.push(`${Code[error.code]}: ${error.rawMessage}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, (_, i) => worker(i % 4 === 0 ? batches : singles, i % 4 === 0)));
    done = true;
    await reader;

    assert.deepEqual(unexpected.slice(0, 5), []);
    assert.deepEqual(problems.slice(0, 5), []);
    assert.ok(reads > 0, "the reader ran");
    assert.ok(posted > 300, `only ${posted} transfers posted`);
    assert.equal(BigInt((await totalsQuery.execute(h.db)).rows[0]!.total), expected);
    const report = await recomputeBalances(h.db);
    assert.deepEqual(report.differences, []);
    assert.deepEqual(report.unbalancedCurrencies, []);
  });
});
