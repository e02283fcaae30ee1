/**
 * AdjustBalance: a staff correction of a user wallet against the currency's
 * default SYSTEM_ADJUSTMENTS account, through the same movement machinery
 * (locks, journal, balances, idempotency, the outbox event) as every other write.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { sql, type Kysely } from "kysely";
import { EventEnvelopeSchema } from "#gen/wallet/events/v1/envelope_pb.js";
import { AccountKind } from "#gen/wallet/ledger/v1/account_pb.js";
import { AdjustmentReason, EntryDirection, TransactionKind } from "#gen/wallet/ledger/v1/transaction_pb.js";
import type { LedgerDatabase } from "../src/storage/ledger.table.js";
import { eur, fundedWallet, key, openWallet, refusal, useLedger, type LedgerClient } from "./support/ledger-harness.js";
import { outboxEnvelope } from "../../../platform/outbox/testing/index.js";

const ledger = useLedger();

/** The backoffice's client. */
const staff = async () => (await ledger()).client("backoffice");

/** Fields of an AdjustBalance request a test may change. */
interface AdjustmentFields {
  direction?: EntryDirection;
  amount?: { amountMinor: bigint; currency: string };
  reasonCode?: AdjustmentReason;
  reason?: string;
  metadata?: Record<string, string>;
}

/** An adjustment request with sensible defaults and a fresh idempotency key. */
const adjustment = (accountId: string, fields: AdjustmentFields = {}) => ({
  accountId,
  direction: EntryDirection.CREDIT,
  amount: eur(250),
  reasonCode: AdjustmentReason.GOODWILL,
  reason: "payout delayed by our bank",
  metadata: { approval_request_id: randomUUID(), ticket: "OPS-42" },
  idempotencyKey: key(),
  ...fields,
});

/** The outbox rows about one transaction. */
async function outboxOf(db: Kysely<LedgerDatabase>, transactionId: string) {
  return db.selectFrom("outbox_events").selectAll().where("aggregate_id", "=", transactionId).execute();
}

/** Every outbox row naming `accountId` in its payload's account_id (an AdjustmentPosted about the wallet). */
async function adjustmentEventsOf(db: Kysely<LedgerDatabase>, accountId: string) {
  const rows = await db.selectFrom("outbox_events").select(["payload", "payload_json"]).where("event_type", "=", "wallet.events.v1.AdjustmentPosted").execute();
  return rows.map((r) => outboxEnvelope(r)).filter((e) => e.payload.case === "adjustmentPosted" && e.payload.value.accountId === accountId);
}

async function posted(client: LedgerClient, accountId: string): Promise<bigint | undefined> {
  return (await client.getBalance({ accountId })).balance?.posted?.amountMinor;
}

describe("balance adjustments", () => {
  it("credits a wallet from the currency's default adjustments account, which goes negative", async () => {
    const client = await staff();
    const wallet = await openWallet(client);
    const res = await client.adjustBalance(adjustment(wallet));
    assert.equal(res.transaction?.kind, TransactionKind.ADJUSTMENT);
    assert.equal(res.balance?.posted?.amountMinor, 250n);
    const posting = res.transaction!.postings[0]!;
    assert.equal(posting.destinationAccountId, wallet);
    const adjustments = await client.getAccount({ accountId: posting.sourceAccountId });
    assert.equal(adjustments.account?.kind, AccountKind.SYSTEM_ADJUSTMENTS);
    assert.equal(adjustments.account?.allowNegative, true);
    assert.ok(adjustments.balance!.posted!.amountMinor < 0n);
  });

  it("debits a wallet to the default adjustments account", async () => {
    const client = await staff();
    const wallet = await fundedWallet(client, 1_000);
    const res = await client.adjustBalance(adjustment(wallet, { direction: EntryDirection.DEBIT, amount: eur(300), reasonCode: AdjustmentReason.CHARGEBACK }));
    assert.equal(res.balance?.posted?.amountMinor, 700n);
    const posting = res.transaction!.postings[0]!;
    assert.equal(posting.sourceAccountId, wallet);
    assert.equal((await client.getAccount({ accountId: posting.destinationAccountId })).account?.kind, AccountKind.SYSTEM_ADJUSTMENTS);
  });

  it("keeps one adjustments account per currency", async () => {
    const client = await staff();
    const [a, b, usd] = [await openWallet(client), await openWallet(client), await openWallet(client, "USD")];
    const first = await client.adjustBalance(adjustment(a));
    const second = await client.adjustBalance(adjustment(b, { direction: EntryDirection.CREDIT }));
    const dollars = await client.adjustBalance(adjustment(usd, { amount: { amountMinor: 5n, currency: "USD" } }));
    assert.equal(first.transaction!.postings[0]!.sourceAccountId, second.transaction!.postings[0]!.sourceAccountId);
    assert.notEqual(dollars.transaction!.postings[0]!.sourceAccountId, first.transaction!.postings[0]!.sourceAccountId);
  });

  it("keeps the reason as the description and the reason code beside the caller's metadata", async () => {
    const client = await staff();
    const wallet = await openWallet(client);
    const request = adjustment(wallet, { reasonCode: AdjustmentReason.CORRECTION, reason: "double charge on 3 May" });
    const res = await client.adjustBalance(request);
    const tx = (await client.getTransaction({ transactionId: res.transaction!.id })).transaction!;
    assert.equal(tx.description, "double charge on 3 May");
    assert.deepEqual(tx.metadata, { ...request.metadata, adjustment_reason: "CORRECTION" });
    const line = (await client.listStatementEntries({ accountId: wallet })).entries[0]!;
    assert.deepEqual([line.transactionKind, line.direction, line.description], [TransactionKind.ADJUSTMENT, EntryDirection.CREDIT, "double charge on 3 May"]);
  });

  it("posts once for a retry with the same key and request, and answers the same transaction", async () => {
    const { client: clientOf, db } = await ledger();
    const client = clientOf("backoffice");
    const wallet = await openWallet(client);
    const request = adjustment(wallet);
    const [first, retry] = [await client.adjustBalance(request), await client.adjustBalance(request)];
    assert.equal(retry.transaction?.id, first.transaction?.id);
    assert.equal((await db.selectFrom("postings").select("id").where("destination_account_id", "=", wallet).execute()).length, 1);
    assert.equal(await posted(client, wallet), 250n);
  });

  it("writes exactly one AdjustmentPosted to the outbox, in the adjustment's transaction, with the wallet's side of it", async () => {
    const { client: clientOf, db } = await ledger();
    const client = clientOf("backoffice");
    const owner = randomUUID();
    const wallet = await openWallet(client, "EUR", owner);
    await client.topUp({ accountId: wallet, amount: eur(1_000), idempotencyKey: key() });
    const request = adjustment(wallet, { direction: EntryDirection.DEBIT, amount: eur(300), reasonCode: AdjustmentReason.CHARGEBACK, reason: "card scheme chargeback" });
    const res = await client.adjustBalance(request);
    const tx = res.transaction!;

    const rows = await outboxOf(db, tx.id);
    assert.deepEqual(
      rows.map((r) => [r.event_type, r.routing_key, r.aggregate_type, r.producer, r.status]),
      [["wallet.events.v1.AdjustmentPosted", "ledger.AdjustmentPosted", "transaction", "ledger", "pending"]],
    );
    const envelope = outboxEnvelope(rows[0]!);
    assert.equal(envelope.payload.case, "adjustmentPosted");
    const e = envelope.payload.value!;
    assert.deepEqual(
      [e.transactionId, e.accountId, e.ownerUserId, e.adjustmentsAccountId, e.direction, e.reasonCode, e.reason],
      [tx.id, wallet, owner, tx.postings[0]!.destinationAccountId, EntryDirection.DEBIT, AdjustmentReason.CHARGEBACK, "card scheme chargeback"],
    );
    assert.deepEqual([e.amount?.amountMinor, e.amount?.currency, e.balanceAfter?.amountMinor, e.balanceAfter?.currency], [300n, "EUR", 700n, "EUR"]);
    assert.deepEqual(e.metadata, request.metadata);
    assert.equal(timestampDate(e.postedAt!).getTime(), timestampDate(tx.createdAt!).getTime());
  });

  it("writes a credit's AdjustmentPosted with direction CREDIT and the balance after it", async () => {
    const { client: clientOf, db } = await ledger();
    const client = clientOf("backoffice");
    const wallet = await fundedWallet(client, 100);
    const res = await client.adjustBalance(adjustment(wallet, { reasonCode: AdjustmentReason.CORRECTION }));
    const e = outboxEnvelope((await outboxOf(db, res.transaction!.id))[0]!).payload;
    assert.equal(e.case, "adjustmentPosted");
    assert.deepEqual([e.value!.direction, e.value!.reasonCode, e.value!.balanceAfter?.amountMinor], [EntryDirection.CREDIT, AdjustmentReason.CORRECTION, 350n]);
  });

  it("writes no second event for a replay by idempotency key, and none for a refusal", async () => {
    const { client: clientOf, db } = await ledger();
    const client = clientOf("backoffice");
    const wallet = await fundedWallet(client, 100);
    const request = adjustment(wallet);
    const first = await client.adjustBalance(request);
    const retry = await client.adjustBalance(request);
    assert.equal(retry.transaction?.id, first.transaction?.id);
    assert.equal((await adjustmentEventsOf(db, wallet)).length, 1);
    await refusal(client.adjustBalance(adjustment(wallet, { direction: EntryDirection.DEBIT, amount: eur(10_000) })));
    await refusal(client.adjustBalance({ ...request, amount: eur(251) }));
    assert.equal((await adjustmentEventsOf(db, wallet)).length, 1);
  });

  it("refuses the same key with a different request with IDEMPOTENCY_KEY_REUSED", async () => {
    const client = await staff();
    const wallet = await openWallet(client);
    const request = adjustment(wallet);
    await client.adjustBalance(request);
    const r = await refusal(client.adjustBalance({ ...request, amount: eur(251) }));
    assert.deepEqual([r.code, r.reason, r.metadata.idempotency_key], [Code.FailedPrecondition, "IDEMPOTENCY_KEY_REUSED", request.idempotencyKey]);
    assert.equal(await posted(client, wallet), 250n);
  });

  it("refuses a debit larger than the available balance with INSUFFICIENT_FUNDS", async () => {
    const client = await staff();
    const wallet = await fundedWallet(client, 100);
    const r = await refusal(client.adjustBalance(adjustment(wallet, { direction: EntryDirection.DEBIT, amount: eur(101) })));
    assert.deepEqual([r.code, r.reason, r.metadata.account_id], [Code.FailedPrecondition, "INSUFFICIENT_FUNDS", wallet]);
    assert.equal(await posted(client, wallet), 100n);
  });

  it("refuses zero and negative amounts with NON_POSITIVE_AMOUNT", async () => {
    const client = await staff();
    const wallet = await fundedWallet(client, 100);
    for (const amount of [0, -5]) {
      const r = await refusal(client.adjustBalance(adjustment(wallet, { amount: eur(amount) })));
      assert.deepEqual([r.code, r.reason, r.metadata.field], [Code.InvalidArgument, "NON_POSITIVE_AMOUNT", "amount.amount_minor"]);
    }
  });

  it("refuses an unspecified direction or reason code and an empty reason with INVALID_FIELD naming the field", async () => {
    const client = await staff();
    const wallet = await openWallet(client);
    for (const [fields, field] of [
      [{ direction: EntryDirection.UNSPECIFIED }, "direction"],
      [{ reasonCode: AdjustmentReason.UNSPECIFIED }, "reason_code"],
      [{ reason: "" }, "reason"],
      [{ reason: "   " }, "reason"],
    ] as const) {
      const r = await refusal(client.adjustBalance(adjustment(wallet, fields)));
      assert.deepEqual([r.code, r.reason, r.metadata.field], [Code.InvalidArgument, "INVALID_FIELD", field]);
    }
  });

  it("refuses caller metadata that sets the ledger's reason key with INVALID_FIELD", async () => {
    const client = await staff();
    const wallet = await openWallet(client);
    const r = await refusal(client.adjustBalance(adjustment(wallet, { metadata: { adjustment_reason: "GOODWILL" } })));
    assert.deepEqual([r.code, r.reason, r.metadata.field], [Code.InvalidArgument, "INVALID_FIELD", "metadata"]);
  });

  it("refuses an unknown account with ACCOUNT_NOT_FOUND", async () => {
    const client = await staff();
    const ghost = "00000000-0000-4000-8000-000000000000";
    const r = await refusal(client.adjustBalance(adjustment(ghost)));
    assert.deepEqual([r.code, r.reason, r.metadata.account_id], [Code.NotFound, "ACCOUNT_NOT_FOUND", ghost]);
  });

  it("refuses a system account, the adjustments account included, with ACCOUNT_KIND_NOT_ALLOWED", async () => {
    const client = await staff();
    const fees = await client.openAccount({ kind: AccountKind.SYSTEM_FEES, currency: "EUR", label: "fees", idempotencyKey: key() });
    const credited = await client.adjustBalance(adjustment(await openWallet(client)));
    for (const accountId of [fees.account!.id, credited.transaction!.postings[0]!.sourceAccountId]) {
      const r = await refusal(client.adjustBalance(adjustment(accountId)));
      assert.deepEqual([r.code, r.reason, r.metadata.account_id], [Code.FailedPrecondition, "ACCOUNT_KIND_NOT_ALLOWED", accountId]);
    }
  });

  it("refuses a frozen wallet with ACCOUNT_FROZEN", async () => {
    const client = await staff();
    const wallet = await fundedWallet(client, 100);
    await client.freezeAccount({ accountId: wallet, reason: "fraud check", idempotencyKey: key() });
    const r = await refusal(client.adjustBalance(adjustment(wallet)));
    assert.deepEqual([r.code, r.reason, r.metadata.account_id], [Code.FailedPrecondition, "ACCOUNT_FROZEN", wallet]);
  });

  it("refuses a closed wallet with ACCOUNT_CLOSED", async () => {
    const client = await staff();
    const wallet = await openWallet(client);
    await client.closeAccount({ accountId: wallet, reason: "user left", idempotencyKey: key() });
    const r = await refusal(client.adjustBalance(adjustment(wallet)));
    assert.deepEqual([r.code, r.reason], [Code.FailedPrecondition, "ACCOUNT_CLOSED"]);
  });

  it("refuses an amount in another currency than the wallet's with CURRENCY_MISMATCH", async () => {
    const client = await staff();
    const wallet = await openWallet(client, "USD");
    const r = await refusal(client.adjustBalance(adjustment(wallet)));
    assert.deepEqual([r.code, r.reason, r.metadata.currency, r.metadata.amount_currency], [Code.FailedPrecondition, "CURRENCY_MISMATCH", "USD", "EUR"]);
  });

  it("keeps stored balances equal to the journal and every currency summing to zero", async () => {
    const client = await staff();
    const wallet = await fundedWallet(client, 500);
    await client.adjustBalance(adjustment(wallet));
    await client.adjustBalance(adjustment(wallet, { direction: EntryDirection.DEBIT, amount: eur(600) }));
    const report = await client.verifyIntegrity({});
    assert.deepEqual(report.discrepancies, []);
    assert.deepEqual(report.unbalancedCurrencies, []);
    assert.equal(await posted(client, wallet), 150n);
  });

  it("has the database refuse an ADJUSTMENT transaction without a known reason code", async () => {
    const { db } = await ledger();
    for (const metadata of ["{}", '{"adjustment_reason":"BECAUSE"}']) {
      await assert.rejects(
        sql`INSERT INTO transactions (id, kind, metadata, caller) VALUES (${randomUUID()}, 'ADJUSTMENT', ${metadata}::jsonb, 'test')`.execute(db),
        /transactions_adjustment_has_reason/,
      );
    }
  });
});
