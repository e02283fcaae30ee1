import assert from "node:assert/strict";
import { test } from "node:test";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { decodeJwt } from "jose";
import { Channel } from "#gen/wallet/common/v1/channel_pb.js";
import { EventEnvelopeSchema } from "#gen/wallet/events/v1/envelope_pb.js";
import { Code } from "@connectrpc/connect";
import { Direction, TransactionType } from "#gen/wallet/bff/v1/transaction_pb.js";
import { eur, key, refusal, useBffMesh, type BffMesh, type TestUser } from "./support/bff-harness.js";
import { outboxEnvelope } from "../../../platform/outbox/testing/index.js";

const mesh = useBffMesh();

/** A customer with a funded EUR wallet; answers the user and the wallet id. */
async function funded(m: BffMesh, amount: bigint, options: { verifyEmail?: boolean } = {}): Promise<{ user: TestUser; accountId: string }> {
  const user = await m.customer(options);
  const accountId = (await user.bff.listAccounts({})).accounts[0]!.id;
  if (amount > 0n) await m.topUp(accountId, amount);
  return { user, accountId };
}

test("a transfer by email moves money from the caller's wallet to the recipient's", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 10_000n), funded(m, 0n, { verifyEmail: true })]);
  const res = await a.user.bff.transfer({ recipient: { case: "recipientEmail", value: b.user.email }, amount: eur(1_500), description: "lunch", idempotencyKey: key() });
  assert.equal(res.transaction?.type, TransactionType.TRANSFER);
  assert.equal(res.transaction?.direction, Direction.OUTGOING);
  assert.equal(res.transaction?.amount?.amountMinor, 1_500n);
  assert.equal(res.transaction?.accountId, a.accountId);
  assert.equal(res.transaction?.counterparty?.accountId, b.accountId);
  assert.equal(res.balance?.available?.amountMinor, 8_500n);
  assert.equal((await b.user.bff.getBalance({ accountId: b.accountId })).balance?.posted?.amountMinor, 1_500n);
});

test("a transfer by phone reaches the recipient's wallet in the amount's currency", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 10_000n), funded(m, 0n)]);
  await a.user.bff.transfer({ recipient: { case: "recipientPhone", value: b.user.phone }, amount: eur(700), idempotencyKey: key() });
  assert.equal((await b.user.bff.getBalance({ accountId: b.accountId })).balance?.posted?.amountMinor, 700n);
});

test("a transfer by account id reaches that wallet", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 10_000n), funded(m, 0n)]);
  await a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(300), idempotencyKey: key() });
  assert.equal((await b.user.bff.getBalance({ accountId: b.accountId })).balance?.posted?.amountMinor, 300n);
});

test("the ledger receives the verified token's user, session, device and the client IP as the transfer's initiator", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 1_000n), funded(m, 0n)]);
  const client = m.bff({ subject: a.user.userId, accessToken: a.user.accessToken, headers: { "x-client-ip": "203.0.113.7" } });
  const sent = await client.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(10), idempotencyKey: key() });
  const rows = await m.ledger.db.selectFrom("outbox_events").select(["payload", "payload_json"]).where("aggregate_id", "=", sent.transaction!.id).execute();
  const envelope = outboxEnvelope(rows[0]!);
  assert.equal(envelope.payload.case, "transferPosted");
  const initiator = envelope.payload.case === "transferPosted" ? envelope.payload.value.initiator : undefined;
  const claims = decodeJwt(a.user.accessToken);
  assert.equal(initiator?.userId, a.user.userId);
  assert.equal(initiator?.sessionId, claims.sid);
  assert.equal(initiator?.deviceId, claims.device_id);
  assert.equal(initiator?.ipAddress, "203.0.113.7");
  assert.equal(initiator?.channel, Channel.MOBILE_APP);
});

test("a transfer retried with the same key posts once and answers the original result", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 10_000n), funded(m, 0n)]);
  const request = { recipient: { case: "recipientAccountId" as const, value: b.accountId }, amount: eur(1_000), idempotencyKey: key() };
  let replayed: string | null = null;
  const first = await a.user.bff.transfer(request);
  const second = await a.user.bff.transfer(request, { onHeader: (h) => void (replayed = h.get("idempotent-replayed")) });
  assert.equal(second.transaction?.id, first.transaction?.id);
  assert.equal(replayed, "true");
  assert.equal((await b.user.bff.getBalance({ accountId: b.accountId })).balance?.posted?.amountMinor, 1_000n);
});

test("the same key with a different transfer is refused with the ledger's IDEMPOTENCY_KEY_REUSED", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 10_000n), funded(m, 0n)]);
  const idempotencyKey = key();
  await a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(100), idempotencyKey });
  const refused = await refusal(a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(200), idempotencyKey }));
  assert.equal(refused.code, Code.FailedPrecondition);
  assert.equal(refused.reason, "IDEMPOTENCY_KEY_REUSED");
  assert.equal(refused.domain, "wallet.ledger.v1");
});

test("a transfer beyond the available balance is refused with INSUFFICIENT_FUNDS", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 500n), funded(m, 0n)]);
  const refused = await refusal(a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(501), idempotencyKey: key() }));
  assert.equal(refused.code, Code.FailedPrecondition);
  assert.equal(refused.reason, "INSUFFICIENT_FUNDS");
  assert.equal(refused.metadata.account_id, a.accountId);
});

test("a transfer to one's own wallet is refused with SELF_TRANSFER", async () => {
  const m = await mesh();
  const a = await funded(m, 500n);
  const refused = await refusal(a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: a.accountId }, amount: eur(1), idempotencyKey: key() }));
  assert.equal(refused.code, Code.InvalidArgument);
  assert.equal(refused.reason, "SELF_TRANSFER");
});

test("a transfer in a currency the caller has no wallet in is refused with CURRENCY_MISMATCH", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 500n), funded(m, 0n)]);
  const refused = await refusal(a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: { amountMinor: 1n, currency: "USD" }, idempotencyKey: key() }));
  assert.equal(refused.code, Code.FailedPrecondition);
  assert.equal(refused.reason, "CURRENCY_MISMATCH");
});

test("a transfer to an unknown email is refused with identity's USER_NOT_FOUND", async () => {
  const m = await mesh();
  const a = await funded(m, 500n);
  const refused = await refusal(a.user.bff.transfer({ recipient: { case: "recipientEmail", value: "nobody@example.com" }, amount: eur(1), idempotencyKey: key() }));
  assert.equal(refused.code, Code.NotFound);
  assert.equal(refused.reason, "USER_NOT_FOUND");
});

test("a transfer without an idempotency key is refused before anything moves", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 500n), funded(m, 0n)]);
  const refused = await refusal(a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(1), idempotencyKey: "" }));
  assert.equal(refused.code, Code.InvalidArgument);
  assert.equal(refused.reason, "IDEMPOTENCY_KEY_MISSING");
});

test("a transfer with a forged access token is refused as unauthenticated", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 500n), funded(m, 0n)]);
  const forged = m.bff({ subject: a.user.userId, accessToken: b.user.accessToken });
  const refused = await refusal(forged.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(1), idempotencyKey: key() }));
  assert.equal(refused.code, Code.Unauthenticated);
  assert.equal(refused.reason, "TOKEN_INVALID");
});

test("a user cannot move money out of another user's wallet: the source is always the caller's own", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 0n), funded(m, 5_000n)]);
  // A names B's wallet as the recipient: the money would come from A's (empty) wallet, never B's.
  const refused = await refusal(a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(100), idempotencyKey: key() }));
  assert.equal(refused.reason, "INSUFFICIENT_FUNDS");
  assert.equal(refused.metadata.account_id, a.accountId);
  assert.equal((await b.user.bff.getBalance({ accountId: b.accountId })).balance?.posted?.amountMinor, 5_000n);
});

test("the statement lists the caller's entries newest first, page by page", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 10_000n), funded(m, 0n)]);
  for (const amount of [100, 200, 300]) {
    await a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(amount), idempotencyKey: key() });
  }
  const first = await a.user.bff.getStatement({ accountId: a.accountId, page: { pageSize: 2 } });
  assert.deepEqual(first.entries.map((e) => e.amount?.amountMinor), [300n, 200n]);
  assert.equal(first.entries[0]?.direction, Direction.OUTGOING);
  assert.equal(first.entries[0]?.balanceAfter?.amountMinor, 9_400n);
  assert.ok(first.page?.nextPageToken);
  const second = await a.user.bff.getStatement({ accountId: a.accountId, page: { pageSize: 2, pageToken: first.page!.nextPageToken } });
  assert.deepEqual(second.entries.map((e) => e.amount?.amountMinor), [100n, 10_000n]);
  assert.equal(second.entries[1]?.type, TransactionType.TOP_UP);
  assert.equal(second.entries[1]?.counterparty?.accountId, "", "system accounts are never shown");
  assert.equal(second.entries[1]?.counterparty?.displayName, "Top-up");
  assert.equal(second.page?.nextPageToken, "");
  const ids = [...first.entries, ...second.entries].map((e) => e.entryId);
  assert.equal(new Set(ids).size, 4);
});

test("the statement keeps only entries within the time range", async () => {
  const m = await mesh();
  const a = await funded(m, 1_000n);
  const future = timestampFromDate(new Date(Date.now() + 3_600_000));
  const none = await a.user.bff.getStatement({ accountId: a.accountId, timeRange: { startTime: future } });
  assert.equal(none.entries.length, 0);
  const all = await a.user.bff.getStatement({ accountId: a.accountId, timeRange: { endTime: future } });
  assert.equal(all.entries.length, 1);
});

test("another user's statement answers NotFound", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 0n), funded(m, 1_000n)]);
  const refused = await refusal(a.user.bff.getStatement({ accountId: b.accountId }));
  assert.equal(refused.code, Code.NotFound);
  assert.equal(refused.reason, "ACCOUNT_NOT_FOUND");
});

test("get transaction shows a transfer from each party's side", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 1_000n), funded(m, 0n)]);
  const sent = await a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(400), idempotencyKey: key() });
  const id = sent.transaction!.id;
  const asSender = (await a.user.bff.getTransaction({ transactionId: id })).transaction;
  const asRecipient = (await b.user.bff.getTransaction({ transactionId: id })).transaction;
  assert.equal(asSender?.direction, Direction.OUTGOING);
  assert.equal(asRecipient?.direction, Direction.INCOMING);
  assert.equal(asRecipient?.accountId, b.accountId);
  assert.equal(asRecipient?.counterparty?.accountId, a.accountId);
  assert.equal(asRecipient?.refundedAmount?.amountMinor, 0n);
});

test("a transaction between two other users answers NotFound", async () => {
  const m = await mesh();
  const [a, b, c] = await Promise.all([funded(m, 1_000n), funded(m, 0n), funded(m, 0n)]);
  const sent = await a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(400), idempotencyKey: key() });
  const refused = await refusal(c.user.bff.getTransaction({ transactionId: sent.transaction!.id }));
  const unknown = await refusal(c.user.bff.getTransaction({ transactionId: "00000000-0000-4000-8000-000000000000" }));
  assert.equal(refused.code, Code.NotFound);
  assert.equal(refused.reason, "TRANSACTION_NOT_FOUND");
  assert.equal(unknown.reason, refused.reason);
});

test("the recipient refunds part of a transfer to the sender", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 1_000n), funded(m, 0n)]);
  const sent = await a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(400), idempotencyKey: key() });
  const res = await b.user.bff.requestRefund({ transactionId: sent.transaction!.id, amount: eur(150), reason: "too much", idempotencyKey: key() });
  assert.equal(res.refund?.type, TransactionType.REFUND);
  assert.equal(res.refund?.direction, Direction.OUTGOING);
  assert.equal(res.refund?.originalTransactionId, sent.transaction!.id);
  assert.equal(res.remainingRefundable?.amountMinor, 250n);
  assert.equal((await a.user.bff.getBalance({ accountId: a.accountId })).balance?.posted?.amountMinor, 750n);
  const original = await b.user.bff.getTransaction({ transactionId: sent.transaction!.id });
  assert.equal(original.transaction?.refundedAmount?.amountMinor, 150n);
});

test("refunds beyond the original amount are refused with REFUND_EXCEEDS_ORIGINAL", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 1_000n), funded(m, 0n)]);
  const sent = await a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(400), idempotencyKey: key() });
  await b.user.bff.requestRefund({ transactionId: sent.transaction!.id, amount: eur(300), idempotencyKey: key() });
  const refused = await refusal(b.user.bff.requestRefund({ transactionId: sent.transaction!.id, amount: eur(101), idempotencyKey: key() }));
  assert.equal(refused.code, Code.FailedPrecondition);
  assert.equal(refused.reason, "REFUND_EXCEEDS_ORIGINAL");
});

test("the sender cannot refund their own transfer to themselves", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([funded(m, 1_000n), funded(m, 0n)]);
  const sent = await a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(400), idempotencyKey: key() });
  const refused = await refusal(a.user.bff.requestRefund({ transactionId: sent.transaction!.id, amount: eur(400), idempotencyKey: key() }));
  assert.equal(refused.code, Code.PermissionDenied);
  assert.equal(refused.reason, "NOT_ACCOUNT_OWNER");
  assert.equal((await b.user.bff.getBalance({ accountId: b.accountId })).balance?.posted?.amountMinor, 400n);
});

test("a third user cannot refund someone else's transfer", async () => {
  const m = await mesh();
  const [a, b, c] = await Promise.all([funded(m, 1_000n), funded(m, 0n), funded(m, 0n)]);
  const sent = await a.user.bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(400), idempotencyKey: key() });
  const refused = await refusal(c.user.bff.requestRefund({ transactionId: sent.transaction!.id, amount: eur(1), idempotencyKey: key() }));
  assert.equal(refused.code, Code.NotFound);
});

test("a top-up cannot be refunded", async () => {
  const m = await mesh();
  const a = await funded(m, 1_000n);
  const [entry] = (await a.user.bff.getStatement({ accountId: a.accountId })).entries;
  const refused = await refusal(a.user.bff.requestRefund({ transactionId: entry!.transactionId, amount: eur(1), idempotencyKey: key() }));
  assert.equal(refused.code, Code.FailedPrecondition);
  assert.equal(refused.reason, "NOT_REFUNDABLE");
});
