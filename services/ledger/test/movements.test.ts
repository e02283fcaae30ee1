import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AccountKind, AccountStatus } from "#gen/wallet/ledger/v1/account_pb.js";
import { EntryDirection, TransactionKind } from "#gen/wallet/ledger/v1/transaction_pb.js";
import { eur, fundedWallet, key, openWallet, refusal, useLedger } from "./support/ledger-harness.js";

const ledger = useLedger();

describe("ledger movements", () => {
  it("credits a wallet from the default funding account on top-up", async () => {
    const client = (await ledger()).client("payments");
    const wallet = await openWallet(client);
    const res = await client.topUp({ accountId: wallet, amount: eur(1_000), externalReference: "psp-1", idempotencyKey: key() });
    assert.equal(res.transaction?.kind, TransactionKind.TOP_UP);
    assert.equal(res.balance?.posted?.amountMinor, 1_000n);
    assert.equal(res.balance?.available?.amountMinor, 1_000n);
    const funding = res.transaction!.postings[0]!.sourceAccountId;
    const fundingAccount = await client.getAccount({ accountId: funding });
    assert.equal(fundingAccount.account?.kind, AccountKind.SYSTEM_FUNDING);
    assert.equal(fundingAccount.account?.allowNegative, true);
    assert.equal(fundingAccount.balance?.posted?.amountMinor, -1_000n);
  });

  it("moves money between two wallets on transfer and reports the debited balance", async () => {
    const client = (await ledger()).client();
    const from = await fundedWallet(client, 500);
    const to = await openWallet(client);
    const res = await client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(200), description: "dinner", metadata: { order: "42" }, idempotencyKey: key() });
    assert.equal(res.fromBalance?.posted?.amountMinor, 300n);
    assert.equal((await client.getBalance({ accountId: to })).balance?.posted?.amountMinor, 200n);
    const tx = await client.getTransaction({ transactionId: res.transaction!.id });
    assert.deepEqual(tx.transaction?.metadata, { order: "42" });
    assert.equal(tx.refundedAmount?.amountMinor, 0n);
  });

  it("debits a wallet to the default settlement account on withdrawal", async () => {
    const client = (await ledger()).client();
    const wallet = await fundedWallet(client, 500);
    const res = await client.withdraw({ accountId: wallet, amount: eur(120), idempotencyKey: key() });
    assert.equal(res.balance?.posted?.amountMinor, 380n);
    assert.equal(res.transaction?.kind, TransactionKind.WITHDRAWAL);
  });

  it("refuses a transfer larger than the available balance with INSUFFICIENT_FUNDS", async () => {
    const client = (await ledger()).client();
    const from = await fundedWallet(client, 100);
    const to = await openWallet(client);
    const r = await refusal(client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(101), idempotencyKey: key() }));
    assert.deepEqual([r.code, r.reason, r.domain, r.metadata.account_id], [Code.FailedPrecondition, "INSUFFICIENT_FUNDS", "wallet.ledger.v1", from]);
  });

  it("refuses movements of a frozen account with ACCOUNT_FROZEN until it is unfrozen", async () => {
    const client = (await ledger()).client("backoffice");
    const from = await fundedWallet(client, 100);
    const to = await openWallet(client);
    const frozen = await client.freezeAccount({ accountId: to, reason: "fraud check", idempotencyKey: key() });
    assert.equal(frozen.account?.status, AccountStatus.FROZEN);
    const r = await refusal(client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(10), idempotencyKey: key() }));
    assert.deepEqual([r.code, r.reason, r.metadata.account_id], [Code.FailedPrecondition, "ACCOUNT_FROZEN", to]);
    const again = await refusal(client.freezeAccount({ accountId: to, reason: "twice", idempotencyKey: key() }));
    assert.deepEqual([again.code, again.reason], [Code.FailedPrecondition, "ACCOUNT_STATUS_CONFLICT"]);
    await client.unfreezeAccount({ accountId: to, reason: "cleared", idempotencyKey: key() });
    await client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(10), idempotencyKey: key() });
  });

  it("refuses movements of a closed account with ACCOUNT_CLOSED", async () => {
    const client = (await ledger()).client();
    const from = await fundedWallet(client, 100);
    const closed = await openWallet(client);
    await client.closeAccount({ accountId: closed, reason: "user left", idempotencyKey: key() });
    const r = await refusal(client.transfer({ fromAccountId: from, toAccountId: closed, amount: eur(10), idempotencyKey: key() }));
    assert.deepEqual([r.code, r.reason], [Code.FailedPrecondition, "ACCOUNT_CLOSED"]);
  });

  it("refuses to close an account with money on it with ACCOUNT_NOT_EMPTY", async () => {
    const client = (await ledger()).client();
    const wallet = await fundedWallet(client, 1);
    const r = await refusal(client.closeAccount({ accountId: wallet, reason: "bye", idempotencyKey: key() }));
    assert.deepEqual([r.code, r.reason], [Code.FailedPrecondition, "ACCOUNT_NOT_EMPTY"]);
  });

  it("refuses a transfer between currencies with CURRENCY_MISMATCH", async () => {
    const client = (await ledger()).client();
    const from = await fundedWallet(client, 100);
    const to = await openWallet(client, "USD");
    const r = await refusal(client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(10), idempotencyKey: key() }));
    assert.deepEqual([r.code, r.reason, r.metadata.account_id, r.metadata.currency, r.metadata.amount_currency], [Code.FailedPrecondition, "CURRENCY_MISMATCH", to, "USD", "EUR"]);
  });

  it("refuses a transfer to the same account with SELF_TRANSFER", async () => {
    const client = (await ledger()).client();
    const wallet = await fundedWallet(client, 100);
    const r = await refusal(client.transfer({ fromAccountId: wallet, toAccountId: wallet, amount: eur(10), idempotencyKey: key() }));
    assert.deepEqual([r.code, r.reason, r.metadata.account_id], [Code.InvalidArgument, "SELF_TRANSFER", wallet]);
  });

  it("refuses zero and negative amounts with NON_POSITIVE_AMOUNT", async () => {
    const client = (await ledger()).client();
    const from = await fundedWallet(client, 100);
    const to = await openWallet(client);
    for (const amount of [0, -5]) {
      const r = await refusal(client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(amount), idempotencyKey: key() }));
      assert.deepEqual([r.code, r.reason, r.metadata.field], [Code.InvalidArgument, "NON_POSITIVE_AMOUNT", "amount.amount_minor"]);
    }
  });

  it("refuses malformed fields with INVALID_FIELD naming the field", async () => {
    const client = (await ledger()).client();
    const wallet = await openWallet(client);
    const badId = await refusal(client.transfer({ fromAccountId: "nope", toAccountId: wallet, amount: eur(1), idempotencyKey: key() }));
    assert.deepEqual([badId.code, badId.reason, badId.metadata.field], [Code.InvalidArgument, "INVALID_FIELD", "from_account_id"]);
    const badCurrency = await refusal(client.topUp({ accountId: wallet, amount: { amountMinor: 1n, currency: "eur" }, idempotencyKey: key() }));
    assert.deepEqual([badCurrency.reason, badCurrency.metadata.field], ["INVALID_FIELD", "amount.currency"]);
  });

  it("refuses a write without an idempotency key with IDEMPOTENCY_KEY_MISSING", async () => {
    const client = (await ledger()).client();
    const wallet = await openWallet(client);
    const r = await refusal(client.topUp({ accountId: wallet, amount: eur(1), idempotencyKey: "" }));
    assert.deepEqual([r.code, r.reason], [Code.InvalidArgument, "IDEMPOTENCY_KEY_MISSING"]);
    assert.match(r.message, /idempotency_key/);
  });

  it("refuses an unknown account with ACCOUNT_NOT_FOUND", async () => {
    const client = (await ledger()).client();
    const wallet = await fundedWallet(client, 10);
    const ghost = "00000000-0000-4000-8000-000000000000";
    const r = await refusal(client.transfer({ fromAccountId: wallet, toAccountId: ghost, amount: eur(1), idempotencyKey: key() }));
    assert.deepEqual([r.code, r.reason, r.metadata.account_id], [Code.NotFound, "ACCOUNT_NOT_FOUND", ghost]);
  });

  it("refuses a top-up into a system account with ACCOUNT_KIND_NOT_ALLOWED", async () => {
    const client = (await ledger()).client();
    const fees = await client.openAccount({ kind: AccountKind.SYSTEM_FEES, currency: "EUR", label: "fees", idempotencyKey: key() });
    const r = await refusal(client.topUp({ accountId: fees.account!.id, amount: eur(1), idempotencyKey: key() }));
    assert.deepEqual([r.code, r.reason], [Code.FailedPrecondition, "ACCOUNT_KIND_NOT_ALLOWED"]);
  });

  it("refuses a second wallet in one currency for one user with ACCOUNT_ALREADY_EXISTS", async () => {
    const client = (await ledger()).client();
    const owner = "user-dup";
    const first = await openWallet(client, "EUR", owner);
    const r = await refusal(client.openAccount({ ownerUserId: owner, kind: AccountKind.USER_WALLET, currency: "EUR", idempotencyKey: key() }));
    assert.deepEqual([r.code, r.reason, r.metadata.account_id], [Code.AlreadyExists, "ACCOUNT_ALREADY_EXISTS", first]);
  });

  it("writes exactly one outbox event per write, in the write's transaction", async () => {
    const { client: clientOf, db } = await ledger();
    const client = clientOf();
    const from = await fundedWallet(client, 100);
    const to = await openWallet(client);
    const res = await client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(30), idempotencyKey: key() });
    const rows = await db.selectFrom("outbox_events").select(["event_type", "aggregate_type"]).where("aggregate_id", "=", res.transaction!.id).execute();
    assert.deepEqual(rows, [{ event_type: "wallet.events.v1.TransferPosted", aggregate_type: "transaction" }]);
  });

  it("leaves no outbox event, transaction or balance change for a refused write", async () => {
    const { client: clientOf, db } = await ledger();
    const client = clientOf();
    const from = await fundedWallet(client, 10);
    const to = await openWallet(client);
    const count = async () => (await db.selectFrom("outbox_events").select((eb) => eb.fn.countAll<bigint>().as("n")).executeTakeFirstOrThrow()).n;
    const before = await count();
    await refusal(client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(11), idempotencyKey: key() }));
    assert.equal(await count(), before);
    assert.equal((await client.getBalance({ accountId: from })).balance?.posted?.amountMinor, 10n);
  });

  it("lists a statement newest first with balances after each entry, page by page", async () => {
    const client = (await ledger()).client();
    const wallet = await fundedWallet(client, 1_000);
    const other = await openWallet(client);
    for (let i = 1; i <= 4; i++) await client.transfer({ fromAccountId: wallet, toAccountId: other, amount: eur(i), idempotencyKey: key() });
    const first = await client.listStatementEntries({ accountId: wallet, page: { pageSize: 3 } });
    assert.deepEqual(first.entries.map((e) => e.balanceAfter?.amountMinor), [990n, 994n, 997n]);
    assert.deepEqual(first.entries.map((e) => e.sequence), [5n, 4n, 3n]);
    assert.equal(first.entries[0]?.direction, EntryDirection.DEBIT);
    assert.equal(first.entries[0]?.counterpartyAccountId, other);
    const second = await client.listStatementEntries({ accountId: wallet, page: { pageSize: 3, pageToken: first.page!.nextPageToken } });
    assert.deepEqual(second.entries.map((e) => e.balanceAfter?.amountMinor), [999n, 1_000n]);
    assert.equal(second.page?.nextPageToken, "");
    const oldest = await client.listStatementEntries({ accountId: wallet, oldestFirst: true, page: { pageSize: 2 } });
    assert.deepEqual(oldest.entries.map((e) => e.sequence), [1n, 2n]);
  });

  it("refuses a page token from another account's statement", async () => {
    const client = (await ledger()).client();
    const a = await fundedWallet(client, 10);
    await client.withdraw({ accountId: a, amount: eur(1), idempotencyKey: key() });
    const b = await fundedWallet(client, 10);
    const page = await client.listStatementEntries({ accountId: a, page: { pageSize: 1 } });
    const r = await refusal(client.listStatementEntries({ accountId: b, page: { pageSize: 1, pageToken: page.page!.nextPageToken } }));
    assert.deepEqual([r.code, r.metadata.field], [Code.InvalidArgument, "page.page_token"]);
  });

  it("filters a statement by time range", async () => {
    const client = (await ledger()).client();
    const wallet = await fundedWallet(client, 100);
    const other = await openWallet(client);
    const tx = await client.transfer({ fromAccountId: wallet, toAccountId: other, amount: eur(5), idempotencyKey: key() });
    const res = await client.listStatementEntries({ accountId: wallet, timeRange: { startTime: tx.transaction!.createdAt } });
    assert.deepEqual(res.entries.map((e) => e.transactionId), [tx.transaction!.id]);
  });

  it("answers the posted balance as of a past instant", async () => {
    const client = (await ledger()).client();
    const wallet = await fundedWallet(client, 100);
    const other = await openWallet(client);
    const first = await client.transfer({ fromAccountId: wallet, toAccountId: other, amount: eur(10), idempotencyKey: key() });
    await new Promise((r) => setTimeout(r, 5));
    await client.transfer({ fromAccountId: wallet, toAccountId: other, amount: eur(20), idempotencyKey: key() });
    const then = await client.getBalanceAt({ accountId: wallet, at: first.transaction!.createdAt });
    assert.equal(then.posted?.amountMinor, 90n);
    assert.equal(then.lastTransactionId, first.transaction!.id);
    const before = await client.getBalanceAt({ accountId: wallet, at: timestampFromDate(new Date(Date.now() - 3_600_000)) });
    assert.equal(before.posted?.amountMinor, 0n);
    assert.equal(before.lastTransactionId, "");
  });

  it("refuses a balance as of a future instant", async () => {
    const client = (await ledger()).client();
    const wallet = await openWallet(client);
    const r = await refusal(client.getBalanceAt({ accountId: wallet, at: timestampFromDate(new Date(Date.now() + 60_000)) }));
    assert.deepEqual([r.code, r.metadata.field], [Code.InvalidArgument, "at"]);
  });

  it("lists accounts of an owner with their balances, oldest first, page by page", async () => {
    const client = (await ledger()).client();
    const owner = "user-list";
    const ids = [await openWallet(client, "EUR", owner), await openWallet(client, "USD", owner), await openWallet(client, "GBP", owner)];
    const first = await client.listAccounts({ ownerUserId: owner, page: { pageSize: 2 } });
    const second = await client.listAccounts({ ownerUserId: owner, page: { pageSize: 2, pageToken: first.page!.nextPageToken } });
    assert.deepEqual([...first.accounts, ...second.accounts].map((a) => a.account!.id), ids);
    assert.equal(second.page?.nextPageToken, "");
    const usd = await client.listAccounts({ ownerUserId: owner, currency: "USD" });
    assert.deepEqual(usd.accounts.map((a) => a.balance!.posted!.currency), ["USD"]);
  });
});
