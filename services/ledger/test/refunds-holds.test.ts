import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AccountKind } from "#gen/wallet/ledger/v1/account_pb.js";
import { HoldStatus } from "#gen/wallet/ledger/v1/hold_pb.js";
import { runMaintenance } from "../src/maintenance.js";
import { eur, fundedWallet, key, openWallet, refusal, useLedger, type LedgerClient } from "./support/ledger-harness.js";

const ledger = useLedger({ poolSize: 20 });

async function paid(client: LedgerClient, amount: number) {
  const from = await fundedWallet(client, 1_000);
  const to = await fundedWallet(client, 0);
  const tx = await client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(amount), idempotencyKey: key() });
  return { from, to, txId: tx.transaction!.id };
}

const posted = async (client: LedgerClient, accountId: string) => (await client.getBalance({ accountId })).balance!;

describe("refunds", () => {
  it("refunds partially many times and never more than the original in total", async () => {
    const client = (await ledger()).client();
    const { from, to, txId } = await paid(client, 100);
    const first = await client.refund({ originalTransactionId: txId, amount: eur(30), reason: "damaged", idempotencyKey: key() });
    assert.equal(first.remainingRefundable?.amountMinor, 70n);
    const second = await client.refund({ originalTransactionId: txId, amount: eur(70), reason: "rest", idempotencyKey: key() });
    assert.equal(second.remainingRefundable?.amountMinor, 0n);
    const r = await refusal(client.refund({ originalTransactionId: txId, amount: eur(1), reason: "more", idempotencyKey: key() }));
    assert.deepEqual([r.code, r.reason, r.metadata.refundable_minor], [Code.FailedPrecondition, "REFUND_EXCEEDS_ORIGINAL", "0"]);
    assert.equal((await posted(client, from)).posted?.amountMinor, 1_000n);
    assert.equal((await posted(client, to)).posted?.amountMinor, 0n);
    const original = await client.getTransaction({ transactionId: txId });
    assert.equal(original.refundedAmount?.amountMinor, 100n);
    assert.equal(second.transaction?.originalTransactionId, txId);
  });

  it("refunds whatever is left when no amount is given", async () => {
    const client = (await ledger()).client();
    const { txId } = await paid(client, 100);
    await client.refund({ originalTransactionId: txId, amount: eur(40), reason: "part", idempotencyKey: key() });
    const rest = await client.refund({ originalTransactionId: txId, reason: "rest", idempotencyKey: key() });
    assert.equal(rest.transaction?.postings[0]?.amount?.amountMinor, 60n);
  });

  it("keeps 20 concurrent refunds of one transaction within its amount", async () => {
    const { client: clientOf, db } = await ledger();
    const client = clientOf();
    const { txId } = await paid(client, 100);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => client.refund({ originalTransactionId: txId, amount: eur(15), reason: "r", idempotencyKey: key() })),
    );
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 6);
    const refunds = await db.selectFrom("transactions").select("id").where("original_transaction_id", "=", txId).execute();
    assert.equal(refunds.length, 6);
  });

  it("pays a goodwill refund from a refunds system account", async () => {
    const client = (await ledger()).client();
    const { from, to, txId } = await paid(client, 100);
    const refunds = await client.openAccount({ kind: AccountKind.SYSTEM_REFUNDS, currency: "EUR", allowNegative: true, label: "goodwill", idempotencyKey: key() });
    await client.refund({ originalTransactionId: txId, amount: eur(10), reason: "sorry", fundingAccountId: refunds.account!.id, idempotencyKey: key() });
    assert.equal((await posted(client, to)).posted?.amountMinor, 100n);
    assert.equal((await posted(client, from)).posted?.amountMinor, 910n);
  });

  it("refuses to refund a top-up with NOT_REFUNDABLE", async () => {
    const client = (await ledger()).client();
    const wallet = await openWallet(client);
    const top = await client.topUp({ accountId: wallet, amount: eur(5), idempotencyKey: key() });
    const r = await refusal(client.refund({ originalTransactionId: top.transaction!.id, reason: "no", idempotencyKey: key() }));
    assert.deepEqual([r.code, r.reason, r.metadata.kind], [Code.FailedPrecondition, "NOT_REFUNDABLE", "TOP_UP"]);
  });
});

describe("holds", () => {
  it("reserves money on authorize: held grows and available shrinks, posted stays", async () => {
    const client = (await ledger()).client();
    const account = await fundedWallet(client, 100);
    const merchant = await openWallet(client);
    const res = await client.authorizeHold({ accountId: account, destinationAccountId: merchant, amount: eur(60), idempotencyKey: key() });
    assert.equal(res.hold?.status, HoldStatus.PENDING);
    assert.deepEqual([res.balance?.posted?.amountMinor, res.balance?.held?.amountMinor, res.balance?.available?.amountMinor], [100n, 60n, 40n]);
    const r = await refusal(client.transfer({ fromAccountId: account, toAccountId: merchant, amount: eur(41), idempotencyKey: key() }));
    assert.equal(r.reason, "INSUFFICIENT_FUNDS");
  });

  it("captures partially, then a final capture releases the rest", async () => {
    const client = (await ledger()).client();
    const account = await fundedWallet(client, 100);
    const merchant = await openWallet(client);
    const { hold } = await client.authorizeHold({ accountId: account, destinationAccountId: merchant, amount: eur(60), idempotencyKey: key() });
    const part = await client.captureHold({ holdId: hold!.id, amount: eur(20), idempotencyKey: key() });
    assert.equal(part.hold?.status, HoldStatus.PARTIALLY_CAPTURED);
    assert.equal(part.hold?.capturedAmount?.amountMinor, 20n);
    const last = await client.captureHold({ holdId: hold!.id, amount: eur(10), finalCapture: true, idempotencyKey: key() });
    assert.equal(last.hold?.status, HoldStatus.CAPTURED);
    const balance = await posted(client, account);
    assert.deepEqual([balance.posted?.amountMinor, balance.held?.amountMinor, balance.available?.amountMinor], [70n, 0n, 70n]);
    assert.equal((await posted(client, merchant)).posted?.amountMinor, 30n);
    const r = await refusal(client.captureHold({ holdId: hold!.id, amount: eur(1), idempotencyKey: key() }));
    assert.deepEqual([r.code, r.reason, r.metadata.status], [Code.FailedPrecondition, "HOLD_NOT_PENDING", "CAPTURED"]);
  });

  it("refuses a capture beyond the remainder with CAPTURE_EXCEEDS_HOLD", async () => {
    const client = (await ledger()).client();
    const account = await fundedWallet(client, 100);
    const merchant = await openWallet(client);
    const { hold } = await client.authorizeHold({ accountId: account, destinationAccountId: merchant, amount: eur(50), idempotencyKey: key() });
    const r = await refusal(client.captureHold({ holdId: hold!.id, amount: eur(51), idempotencyKey: key() }));
    assert.deepEqual([r.reason, r.metadata.remaining_minor], ["CAPTURE_EXCEEDS_HOLD", "50"]);
  });

  it("releases the whole remainder on void", async () => {
    const client = (await ledger()).client();
    const account = await fundedWallet(client, 100);
    const merchant = await openWallet(client);
    const { hold } = await client.authorizeHold({ accountId: account, destinationAccountId: merchant, amount: eur(50), idempotencyKey: key() });
    const voided = await client.voidHold({ holdId: hold!.id, reason: "cancelled", idempotencyKey: key() });
    assert.equal(voided.hold?.status, HoldStatus.VOIDED);
    assert.ok(voided.hold?.closedAt);
    assert.equal((await posted(client, account)).available?.amountMinor, 100n);
  });

  it("expires holds past their expiry through ExpireHolds, each once", async () => {
    const client = (await ledger()).client();
    const account = await fundedWallet(client, 100);
    const merchant = await openWallet(client);
    const { hold } = await client.authorizeHold({ accountId: account, destinationAccountId: merchant, amount: eur(50), ttl: durationFromMs(1_000), idempotencyKey: key() });
    const early = await client.expireHolds({});
    assert.ok(!early.expiredHoldIds.includes(hold!.id));
    const later = timestampFromDate(new Date(Date.now() + 2_000));
    const res = await client.expireHolds({ asOf: later });
    assert.ok(res.expiredHoldIds.includes(hold!.id));
    assert.equal((await client.expireHolds({ asOf: later })).expiredHoldIds.length, 0);
    assert.equal((await posted(client, account)).held?.amountMinor, 0n);
    const r = await refusal(client.captureHold({ holdId: hold!.id, idempotencyKey: key() }));
    assert.deepEqual([r.reason, r.metadata.status], ["HOLD_NOT_PENDING", "EXPIRED"]);
  });

  it("expires due holds in the maintenance pass", async () => {
    const harness = await ledger();
    const client = harness.client();
    const account = await fundedWallet(client, 100);
    const merchant = await openWallet(client);
    const { hold } = await client.authorizeHold({ accountId: account, destinationAccountId: merchant, amount: eur(5), ttl: durationFromMs(1_000), idempotencyKey: key() });
    const result = await runMaintenance({ db: harness.db, clock: () => new Date(Date.now() + 5_000) });
    assert.equal(result.skipped, false);
    assert.ok(result.expiredHolds >= 1);
    const row = await harness.db.selectFrom("holds").select("status").where("id", "=", hold!.id).executeTakeFirstOrThrow();
    assert.equal(row.status, "EXPIRED");
  });

  it("gives exactly one capture for 100 concurrent captures of one hold", async () => {
    const { client: clientOf, db } = await ledger();
    const client = clientOf();
    const account = await fundedWallet(client, 100);
    const merchant = await openWallet(client);
    const { hold } = await client.authorizeHold({ accountId: account, destinationAccountId: merchant, amount: eur(80), idempotencyKey: key() });
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => client.captureHold({ holdId: hold!.id, idempotencyKey: key() })));
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results) {
      if (r.status === "rejected") assert.equal((await refusal(Promise.reject(r.reason))).reason, "HOLD_NOT_PENDING");
    }
    const captures = await db.selectFrom("transactions").select("id").where("hold_id", "=", hold!.id).execute();
    assert.equal(captures.length, 1);
    assert.equal((await posted(client, merchant)).posted?.amountMinor, 80n);
  });

  it("refunds a hold capture like a transfer", async () => {
    const client = (await ledger()).client();
    const account = await fundedWallet(client, 100);
    const merchant = await openWallet(client);
    const { hold } = await client.authorizeHold({ accountId: account, destinationAccountId: merchant, amount: eur(40), idempotencyKey: key() });
    const capture = await client.captureHold({ holdId: hold!.id, idempotencyKey: key() });
    await client.refund({ originalTransactionId: capture.transaction!.id, reason: "returned", idempotencyKey: key() });
    assert.equal((await posted(client, account)).posted?.amountMinor, 100n);
  });
});
