/**
 * Posted movements on the event stream feed the velocity windows scoring
 * reads (real PostgreSQL, Redis and RabbitMQ): a movement counts once whether
 * it was scored or not, top-ups and staff adjustments do not count, a
 * transfer's recipient becomes a known counterparty, and a withdrawal posted
 * under review raises an alert.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AdjustmentPostedSchema, InitiatorSchema, TopUpPostedSchema, TransferPostedSchema, WithdrawalPostedSchema } from "#gen/wallet/events/v1/ledger_events_pb.js";
import { AdjustmentReason, EntryDirection } from "#gen/wallet/ledger/v1/transaction_pb.js";
import { RuleKind } from "#gen/wallet/risk/v1/rule_pb.js";
import { useTestAmqp } from "#platform/testing/index.js";
import { encodeEvent, eventually, publishEvents, settled, startRiskConsumer } from "./support/consumer-harness.js";
import { Decision, money, TransactionKind, transfer, useRisk, type RiskHarness } from "./support/risk-harness.js";

const risk = useRisk();
const amqp = useTestAmqp();

const MINUTE_MS = 60_000;

/** A fresh user acting from a fresh device and IP address. */
const someone = () => ({ userId: `user-${randomUUID()}`, deviceId: `device-${randomUUID()}`, ipAddress: `2001:db8::${randomUUID().slice(0, 4)}` });
type Someone = ReturnType<typeof someone>;

function transferPosted(by: Someone, amountMinor: bigint, at: Date, fields: { riskReference?: string; toAccountId?: string } = {}) {
  const value = create(TransferPostedSchema, {
    transactionId: randomUUID(),
    fromAccountId: `acc-${randomUUID()}`,
    fromUserId: by.userId,
    toAccountId: fields.toAccountId ?? `acc-${randomUUID()}`,
    amount: money(amountMinor),
    initiator: create(InitiatorSchema, by),
    postedAt: timestampFromDate(at),
    riskReference: fields.riskReference ?? "",
  });
  return encodeEvent("ledger", { case: "transferPosted", value });
}

function withdrawalPosted(by: Someone, amountMinor: bigint, at: Date, underReview = false) {
  const value = create(WithdrawalPostedSchema, {
    transactionId: randomUUID(),
    accountId: `acc-${randomUUID()}`,
    ownerUserId: by.userId,
    amount: money(amountMinor),
    initiator: create(InitiatorSchema, by),
    postedAt: timestampFromDate(at),
    underReview,
  });
  return { transactionId: value.transactionId, ...encodeEvent("ledger", { case: "withdrawalPosted", value }) };
}

/** What the next scored movement of 1 cent by this person observes (that movement included). */
async function nextObservation(h: RiskHarness, by: Someone) {
  const observed = await h.deps.velocity.record({ reference: randomUUID(), ...by, currency: "EUR", amountMinor: 1n }, [], h.clock());
  return { user: observed.velocity.USER![MINUTE_MS], device: observed.velocity.DEVICE![MINUTE_MS], ip: observed.velocity.IP![MINUTE_MS] };
}

describe("posted movements in the velocity windows", () => {
  test("a posted transfer that was not scored counts toward its user's velocity", async (t) => {
    const h = await risk();
    const consumer = await startRiskConsumer(t, h, await amqp(), "unscored");
    const by = someone();
    await publishEvents(await amqp(), consumer.exchange, [transferPosted(by, 2_500n, h.clock())]);
    await eventually("the transfer", async () => (await settled(consumer)) === 1);

    assert.deepEqual((await nextObservation(h, by)).user, { count: 2, sumMinor: 2_501n });
  });

  test("a posted transfer scored under reference R counts once", async (t) => {
    const h = await risk();
    const consumer = await startRiskConsumer(t, h, await amqp(), "scored");
    const by = someone();
    const reference = randomUUID();
    await h.scorer.scoreTransaction(transfer(2_500n, { ...by, referenceId: reference }));
    await publishEvents(await amqp(), consumer.exchange, [transferPosted(by, 2_500n, h.clock(), { riskReference: reference })]);
    await eventually("the transfer", async () => (await settled(consumer)) === 1);

    const next = await nextObservation(h, by);
    assert.deepEqual([next.user.count, next.device.count, next.ip.count], [2, 2, 2]);
  });

  test("the same posted transfer delivered twice counts once", async (t) => {
    const h = await risk();
    const consumer = await startRiskConsumer(t, h, await amqp(), "twice");
    const by = someone();
    const event = transferPosted(by, 2_500n, h.clock());
    await publishEvents(await amqp(), consumer.exchange, [event, event]);
    await eventually("both deliveries", async () => (await settled(consumer)) === 2);

    assert.equal((await nextObservation(h, by)).user.count, 2);
  });

  test("a posted withdrawal counts toward its initiator's device and IP address", async (t) => {
    const h = await risk();
    const consumer = await startRiskConsumer(t, h, await amqp(), "withdrawal");
    const by = someone();
    await publishEvents(await amqp(), consumer.exchange, [withdrawalPosted(by, 7_000n, h.clock())]);
    await eventually("the withdrawal", async () => (await settled(consumer)) === 1);

    const next = await nextObservation(h, { ...someone(), deviceId: by.deviceId, ipAddress: by.ipAddress });
    assert.deepEqual([next.user.count, next.device, next.ip], [1, { count: 2, sumMinor: 7_001n }, { count: 2, sumMinor: 7_001n }]);
  });

  test("a posted top-up does not count toward velocity", async (t) => {
    const h = await risk();
    const consumer = await startRiskConsumer(t, h, await amqp(), "topup");
    const by = someone();
    const value = create(TopUpPostedSchema, { transactionId: randomUUID(), accountId: `acc-${randomUUID()}`, ownerUserId: by.userId, amount: money(9_000n) });
    await publishEvents(await amqp(), consumer.exchange, [encodeEvent("ledger", { case: "topUpPosted", value })]);
    await eventually("the top-up", async () => (await settled(consumer)) === 1);

    assert.equal((await nextObservation(h, by)).user.count, 1);
  });

  test("a posted adjustment, however large, is acknowledged without counting toward velocity or raising an alert", async (t) => {
    const h = await risk();
    const consumer = await startRiskConsumer(t, h, await amqp(), "adjustment");
    const by = someone();
    const adjustment = (direction: EntryDirection) =>
      create(AdjustmentPostedSchema, {
        transactionId: randomUUID(),
        accountId: `acc-${randomUUID()}`,
        ownerUserId: by.userId,
        direction,
        amount: money(50_000_000n),
        reasonCode: AdjustmentReason.CORRECTION,
        reason: "operational error",
        postedAt: timestampFromDate(h.clock()),
      });
    const events = [EntryDirection.CREDIT, EntryDirection.DEBIT].map((d) => encodeEvent("ledger", { case: "adjustmentPosted", value: adjustment(d) }));
    await publishEvents(await amqp(), consumer.exchange, events);
    await eventually("both adjustments", async () => (await settled(consumer)) === 2);

    assert.equal(await consumer.metric("consumer_dead_lettered_total"), 0);
    assert.equal((await nextObservation(h, by)).user.count, 1);
    assert.deepEqual(await h.db.selectFrom("risk_alerts").select("id").where("user_id", "=", by.userId).execute(), []);
  });

  test("a posted transfer's recipient is no longer a new counterparty for scoring", async (t) => {
    const h = await risk();
    await h.setRules([
      { id: "new_counterparty.eur", kind: RuleKind.NEW_COUNTERPARTY, currency: "EUR", thresholdAmount: money(1_000n), transactionKinds: [TransactionKind.TRANSFER], decision: Decision.STEP_UP, score: 150 },
    ]);
    const consumer = await startRiskConsumer(t, h, await amqp(), "counterparty");
    const by = someone();
    const toAccountId = `acc-${randomUUID()}`;
    await publishEvents(await amqp(), consumer.exchange, [transferPosted(by, 2_500n, h.clock(), { toAccountId })]);
    await eventually("the transfer", async () => (await settled(consumer)) === 1);

    const scored = await h.scorer.scoreTransaction(transfer(2_500n, { ...by, counterpartyAccountId: toAccountId }));
    assert.deepEqual(scored.reasons, []);
  });
});

describe("withdrawals posted under review", () => {
  test("a withdrawal posted under review raises one REVIEW_DECISION alert", async (t) => {
    const h = await risk();
    const consumer = await startRiskConsumer(t, h, await amqp(), "review");
    const event = withdrawalPosted(someone(), 5_000n, h.clock(), true);
    await publishEvents(await amqp(), consumer.exchange, [event, event]);
    await eventually("both deliveries", async () => (await settled(consumer)) === 2);

    const alerts = await h.db.selectFrom("risk_alerts").selectAll().where("transaction_id", "=", event.transactionId).execute();
    assert.deepEqual(
      alerts.map((a) => [a.kind, a.severity, a.title]),
      [["REVIEW_DECISION", "MEDIUM", "Withdrawal of 50.00 EUR posted under review"]],
    );
  });
});
