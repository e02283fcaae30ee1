/**
 * The risk consumer against real PostgreSQL, Redis and RabbitMQ: a
 * high-value TransferPosted delivered twice raises one alert (and one
 * RiskAlertRaised in the outbox); a poison message is retried, then
 * dead-lettered (listed and replayed through the RPCs, failing again), and
 * the replay tool's function processes it once.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { asVerifiedCaller } from "#platform/internal-auth/testing/index.js";
import type { Kysely } from "kysely";
import { DeadLetterStatus } from "#gen/wallet/risk/v1/dead_letter_pb.js";
import { RiskService } from "#gen/wallet/risk/v1/risk_service_pb.js";
import { EventEnvelopeSchema, type EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import { AccountFrozenSchema, TransferPostedSchema } from "#gen/wallet/events/v1/ledger_events_pb.js";
import { startTestConsumer, type TestConsumer } from "#platform/consumer/testing/index.js";
import { useTestAmqp, type TestAmqp } from "#platform/testing/index.js";
import { RISK_CONSUMER_BINDINGS } from "../src/consumer-config.js";
import { replayRiskDeadLetters } from "../src/dead-letters.js";
import { createRiskEventHandler, RISK_CONSUMER_NAME } from "../src/event-handler.js";
import { createRiskRoutes } from "../src/routes.js";
import { money, useRisk } from "./support/risk-harness.js";

const risk = useRisk();
const amqp = useTestAmqp();

function envelope(payload: EventEnvelope["payload"], eventType: string, aggregateId: string) {
  const eventId = randomUUID();
  const bytes = Buffer.from(
    toBinary(EventEnvelopeSchema, create(EventEnvelopeSchema, { eventId, eventType, aggregateType: "transaction", aggregateId, producer: "ledger", payload })),
  );
  return { eventId, bytes };
}

function transferPosted(amountMinor: bigint, overrides: { underReview?: boolean; currency?: string } = {}) {
  const transactionId = randomUUID();
  const userId = `user-${randomUUID()}`;
  const value = create(TransferPostedSchema, {
    transactionId,
    fromAccountId: `acc-${randomUUID()}`,
    fromUserId: userId,
    toAccountId: `acc-${randomUUID()}`,
    toUserId: `user-${randomUUID()}`,
    amount: money(amountMinor, overrides.currency),
    underReview: overrides.underReview ?? false,
  });
  return { transactionId, userId, ...envelope({ case: "transferPosted", value }, "wallet.events.v1.TransferPosted", transactionId) };
}

async function publish(bus: TestAmqp, exchange: string, routingKey: string, body: Buffer, messageId: string): Promise<void> {
  const channel = await bus.connection.createConfirmChannel();
  try {
    await channel.assertExchange(exchange, "topic", { durable: true });
    channel.publish(exchange, routingKey, body, { persistent: true, messageId, contentType: "application/x-protobuf" });
    await channel.waitForConfirms();
  } finally {
    await channel.close();
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const alertsFor = (db: Kysely<any>, transactionId: string) => db.selectFrom("risk_alerts").selectAll().where("transaction_id", "=", transactionId).execute();
const outboxFor = (db: Kysely<any>, alertId: string) => db.selectFrom("outbox_events").selectAll().where("aggregate_id", "=", alertId).execute();
const started = (consumer: TestConsumer) => until("the consumer to consume", async () => consumer.consumer.connected);

describe("risk consumer", () => {
  test("the same TransferPosted delivered twice raises one alert and one RiskAlertRaised", async (t) => {
    const { db, deps } = await risk();
    const bus = await amqp();
    const exchange = bus.name("events-dup");
    const handle = createRiskEventHandler({ rules: deps.rules, velocity: deps.velocity, fallbackThresholdMinor: 1_000_000n, clock: deps.clock });
    const consumer = startTestConsumer(bus, { db, exchange, queueSuffix: "risk-dup", consumer: RISK_CONSUMER_NAME, bindings: RISK_CONSUMER_BINDINGS, handle });
    t.after(() => consumer.stop());
    await started(consumer);

    // 12,000 EUR: over the seeded 10,000 EUR review threshold, under the 50,000 step-up one.
    const event = transferPosted(1_200_000n);
    await publish(bus, exchange, "ledger.TransferPosted", event.bytes, event.eventId);
    await publish(bus, exchange, "ledger.TransferPosted", event.bytes, event.eventId);
    // Below every threshold and an event risk ignores: processed, no alert.
    const small = transferPosted(5_000n);
    await publish(bus, exchange, "ledger.TransferPosted", small.bytes, small.eventId);
    const frozen = envelope({ case: "accountFrozen", value: create(AccountFrozenSchema, { accountId: "acc-1", ownerUserId: "u-1", reason: "x" }) }, "wallet.events.v1.AccountFrozen", "acc-1");
    await publish(bus, exchange, "ledger.AccountFrozen", frozen.bytes, frozen.eventId);
    // Not bound (only the identity events risk acts on are): never reaches this queue.
    await publish(bus, exchange, "identity.UserRegistered", frozen.bytes, randomUUID());

    await until("every delivery", async () => (await consumer.metric("consumer_processed_total")) + (await consumer.metric("consumer_duplicates_total")) === 4);
    assert.equal(await consumer.metric("consumer_processed_total"), 3);
    assert.equal(await consumer.metric("consumer_duplicates_total"), 1);

    const alerts = await alertsFor(db, event.transactionId);
    assert.equal(alerts.length, 1);
    const alert = alerts[0]!;
    assert.deepEqual(
      [alert.kind, alert.severity, alert.status, alert.user_id, BigInt(alert.amount_minor), alert.currency, alert.source_event_id, alert.rule_ids],
      ["HIGH_VALUE_TRANSACTION", "HIGH", "OPEN", event.userId, 1_200_000n, "EUR", event.eventId, ["amount.eur.review"]],
    );
    assert.equal(alert.title, "Transfer of 12,000.00 EUR at or above 10,000.00");
    const outbox = await outboxFor(db, alert.id);
    assert.deepEqual(
      outbox.map((row) => [row.event_type, row.routing_key, row.producer]),
      [["wallet.events.v1.RiskAlertRaised", "risk.RiskAlertRaised", "risk"]],
    );
    assert.equal((await alertsFor(db, small.transactionId)).length, 0);
  });

  test("a poison message is retried, dead-lettered, and replay processes it once", async (t) => {
    const { db, deps } = await risk();
    const bus = await amqp();
    const exchange = bus.name("events-poison");
    const real = createRiskEventHandler({ rules: deps.rules, velocity: deps.velocity, fallbackThresholdMinor: 1_000_000n, clock: deps.clock });
    let broken = true;
    let calls = 0;
    const consumer = startTestConsumer(bus, {
      db,
      exchange,
      queueSuffix: "risk-poison",
      consumer: RISK_CONSUMER_NAME,
      bindings: RISK_CONSUMER_BINDINGS,
      maxAttempts: 3,
      handle: async (env, trx) => {
        calls++;
        await real(env, trx);
        if (broken) throw new Error("alert store unavailable");
      },
    });
    t.after(() => consumer.stop());
    await started(consumer);

    // 100,000 EUR: ten times the lowest EUR amount threshold, so CRITICAL.
    const event = transferPosted(10_000_000n);
    await publish(bus, exchange, "ledger.TransferPosted", event.bytes, event.eventId);
    const letter = await until("the dead letter", () =>
      db.selectFrom("dead_letter_events" as any).selectAll().where("event_id", "=", event.eventId).executeTakeFirst() as Promise<any>,
    );
    assert.equal(calls, 3);
    assert.equal(letter.consumer, RISK_CONSUMER_NAME);
    assert.equal(letter.attempts, 3);
    assert.match(letter.last_error, /alert store unavailable/);
    assert.equal(await consumer.metric("consumer_retried_total"), 2);
    assert.equal(await consumer.metric("consumer_dead_lettered_total"), 1);
    assert.equal((await alertsFor(db, event.transactionId)).length, 0, "each failed attempt rolled back");

    // The backoffice RPCs: listed PENDING; replayed while still broken, it fails again.
    const queue = consumer.consumer.topology.queue;
    const client = createClient(RiskService, createRouterTransport(createRiskRoutes({ ...deps, deadLetterReplay: { amqpUrl: bus.url, queue } }), { router: { interceptors: [asVerifiedCaller("backoffice")] } }));
    const pending = await client.listDeadLetters({ status: DeadLetterStatus.PENDING });
    assert.deepEqual(
      pending.deadLetters.map((d) => [d.eventId, d.eventType, d.queue, d.attempts, d.status]),
      [[event.eventId, "wallet.events.v1.TransferPosted", queue, 3, DeadLetterStatus.PENDING]],
    );
    assert.deepEqual(Buffer.from(pending.deadLetters[0]!.payload), event.bytes);
    await assert.rejects(client.replayDeadLetters({ deadLetterIds: ["x"] }), (err) => ConnectError.from(err).code === Code.InvalidArgument);
    const first = await client.replayDeadLetters({ deadLetterIds: [pending.deadLetters[0]!.id] });
    assert.deepEqual([first.replayed, first.failed, first.remaining], [1, 0, 0]);
    await until("the second dead letter", async () => (await consumer.metric("consumer_dead_lettered_total")) === 2);
    assert.equal(calls, 6);
    const failedAgain = await client.listDeadLetters({ status: DeadLetterStatus.FAILED_AGAIN });
    assert.deepEqual(failedAgain.deadLetters.map((d) => d.eventId), [event.eventId]);
    const all = await client.listDeadLetters({ page: { pageSize: 1 } });
    assert.equal(all.deadLetters[0]!.status, DeadLetterStatus.REPLAYED);
    assert.ok(all.deadLetters[0]!.replayedAt);
    const next = await client.listDeadLetters({ page: { pageSize: 1, pageToken: all.page!.nextPageToken } });
    assert.deepEqual([next.deadLetters[0]!.status, next.page?.nextPageToken], [DeadLetterStatus.FAILED_AGAIN, ""]);

    // The cause is fixed; the replay tool's function puts it back in the work queue.
    broken = false;
    assert.equal(await replayRiskDeadLetters(db, { amqpUrl: bus.url, queue, limit: 200 }), 1);
    await until("the replayed event", async () => (await consumer.metric("consumer_processed_total")) === 1);
    const alerts = await alertsFor(db, event.transactionId);
    assert.equal(alerts.length, 1);
    assert.deepEqual([alerts[0]!.severity, alerts[0]!.rule_ids], ["CRITICAL", ["amount.eur.review", "amount.eur.step_up"]]);
    assert.equal(await consumer.metric("consumer_replayed_total"), 2);
    assert.equal((await client.listDeadLetters({ status: DeadLetterStatus.PENDING })).deadLetters.length, 0);
    assert.equal(await replayRiskDeadLetters(db, { amqpUrl: bus.url, queue, limit: 200 }), 0, "nothing left to replay");

    // Replaying it again (say both rows were reset by hand) changes nothing.
    await db.updateTable("dead_letter_events" as any).set({ replayed_at: null }).where("event_id", "=", event.eventId).execute();
    assert.equal(await replayRiskDeadLetters(db, { amqpUrl: bus.url, queue, limit: 200 }), 2);
    await until("the second replays", async () => (await consumer.metric("consumer_duplicates_total")) === 2);
    assert.equal(await consumer.metric("consumer_processed_total"), 1);
    assert.equal((await alertsFor(db, event.transactionId)).length, 1);
    assert.equal((await outboxFor(db, alerts[0]!.id)).length, 1);
  });
});
