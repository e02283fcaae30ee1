import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { sql, type Kysely } from "kysely";
import { EventEnvelopeSchema, type EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import { TransferPostedSchema } from "#gen/wallet/events/v1/ledger_events_pb.js";
import { createQueueReplayPublisher, replayDeadLetters } from "#platform/consumer/index.js";
import { startTestConsumer, type TestConsumer } from "#platform/consumer/testing/index.js";
import { useTestAmqp, useTestDatabase, type TestAmqp } from "#platform/testing/index.js";

const database = useTestDatabase({ migrationsFolder: "platform/consumer/migrations" });
const amqp = useTestAmqp();

/** The test handler's effect: one row per handled event (no unique key, so a second effect would show). */
async function effectsTable(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS effects (event_id uuid NOT NULL, transaction_id text NOT NULL)`.execute(db);
}
const countEffects = async (db: Kysely<any>, eventId: string) =>
  Number((await sql<{ n: string }>`SELECT count(*) AS n FROM effects WHERE event_id = ${eventId}`.execute(db)).rows[0]!.n);

const handleInto = (calls: { n: number }, fail?: () => string | undefined) => async (envelope: EventEnvelope, trx: Kysely<any>) => {
  calls.n++;
  await sql`INSERT INTO effects (event_id, transaction_id) VALUES (${envelope.eventId}, ${envelope.aggregateId})`.execute(trx);
  const problem = fail?.();
  if (problem) throw new Error(problem);
};

function transferPosted(transactionId: string): { eventId: string; bytes: Buffer } {
  const eventId = randomUUID();
  const envelope = create(EventEnvelopeSchema, {
    eventId,
    eventType: "wallet.events.v1.TransferPosted",
    aggregateType: "transaction",
    aggregateId: transactionId,
    producer: "ledger",
    payload: { case: "transferPosted", value: create(TransferPostedSchema, { transactionId }) },
  });
  return { eventId, bytes: Buffer.from(toBinary(EventEnvelopeSchema, envelope)) };
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

const deadLetterOf = (db: Kysely<any>, consumer: string, eventId: string) =>
  db.selectFrom("dead_letter_events").selectAll().where("consumer", "=", consumer).where("event_id", "=", eventId).executeTakeFirst();

/** Waits until the consumer is consuming, so the queue is declared and bound before publishing. */
const started = (consumer: TestConsumer) => until("the consumer to consume", async () => consumer.consumer.connected);

test("the same event delivered twice has one effect", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  await effectsTable(db);
  const exchange = bus.name("events-dup");
  const calls = { n: 0 };
  const consumer = startTestConsumer(bus, { db, exchange, queueSuffix: "dup", consumer: "dup", handle: handleInto(calls) });
  t.after(() => consumer.stop());
  await started(consumer);

  const event = transferPosted("tx-dup");
  await publish(bus, exchange, "ledger.TransferPosted", event.bytes, event.eventId);
  await publish(bus, exchange, "ledger.TransferPosted", event.bytes, event.eventId);
  await until("both deliveries", async () => (await consumer.metric("consumer_processed_total")) + (await consumer.metric("consumer_duplicates_total")) === 2);

  assert.equal(await countEffects(db, event.eventId), 1);
  assert.equal(calls.n, 1, "the duplicate never reaches the handler");
  assert.equal(await consumer.metric("consumer_processed_total"), 1);
  assert.equal(await consumer.metric("consumer_duplicates_total"), 1);
  const processed = await db.selectFrom("processed_events").selectAll().where("event_id", "=", event.eventId).execute();
  assert.deepEqual(processed.map((r) => [r.consumer, r.event_type]), [["dup", "wallet.events.v1.TransferPosted"]]);
  const lag = (await consumer.registry.getSingleMetric("consumer_lag")!.get()).values;
  assert.deepEqual(lag.map((v) => [v.labels.consumer, v.value]), [["dup", 0]], "lag read from RabbitMQ at scrape time");
});

test("a poison message is retried with growing delays, dead-lettered with its last error, and replayed once after the fix", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  await effectsTable(db);
  const exchange = bus.name("events-poison");
  const calls = { n: 0 };
  let broken = true;
  const consumer = startTestConsumer(bus, {
    db,
    exchange,
    queueSuffix: "poison",
    consumer: "poison",
    maxAttempts: 3,
    retryDelayMs: 40,
    handle: handleInto(calls, () => (broken ? `downstream refused attempt ${calls.n}` : undefined)),
  });
  t.after(() => consumer.stop());
  await started(consumer);

  const event = transferPosted("tx-poison");
  const sentAt = Date.now();
  await publish(bus, exchange, "ledger.TransferPosted", event.bytes, event.eventId);
  const letter = await until("the dead letter", () => deadLetterOf(db, "poison", event.eventId));
  const elapsed = Date.now() - sentAt;

  assert.equal(calls.n, 3);
  assert.equal(letter.attempts, 3);
  assert.match(letter.last_error, /downstream refused attempt 3/);
  assert.equal(letter.routing_key, "ledger.TransferPosted");
  assert.equal(letter.event_type, "wallet.events.v1.TransferPosted");
  assert.deepEqual(Buffer.from(letter.payload), event.bytes);
  assert.equal(letter.replayed_at, null);
  assert.ok(elapsed >= 40 + 80, `retries waited in the delay queues (${elapsed} ms)`);
  assert.equal(await consumer.metric("consumer_retried_total"), 2);
  assert.equal(await consumer.metric("consumer_dead_lettered_total"), 1);
  assert.equal(await countEffects(db, event.eventId), 0, "failed attempts roll back");
  assert.equal((await db.selectFrom("processed_events").selectAll().where("consumer", "=", "poison").execute()).length, 0);

  broken = false;
  const replayer = await createQueueReplayPublisher({ amqpUrl: bus.url, queue: consumer.consumer.topology.queue });
  t.after(() => replayer.close());
  assert.equal(await replayDeadLetters(db, { consumer: "poison", limit: 10 }, replayer.publish), 1);
  await until("the replayed event", async () => (await consumer.metric("consumer_processed_total")) === 1);
  assert.equal(await countEffects(db, event.eventId), 1);
  assert.equal(await consumer.metric("consumer_replayed_total"), 1);
  assert.notEqual((await deadLetterOf(db, "poison", event.eventId))!.replayed_at, null);
  assert.equal(await replayDeadLetters(db, { consumer: "poison", limit: 10 }, replayer.publish), 0, "nothing left to replay");

  // Replaying it again (the row reset by hand) changes nothing: processed_events dedupes.
  await db.updateTable("dead_letter_events").set({ replayed_at: null }).where("event_id", "=", event.eventId).execute();
  assert.equal(await replayDeadLetters(db, { consumer: "poison", limit: 10 }, replayer.publish), 1);
  await until("the second replay", async () => (await consumer.metric("consumer_duplicates_total")) === 1);
  assert.equal(await countEffects(db, event.eventId), 1);
  assert.equal(calls.n, 4);
});

test("an undecodable message is dead-lettered at once, without retries", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  await effectsTable(db);
  const exchange = bus.name("events-garbage");
  const calls = { n: 0 };
  const consumer = startTestConsumer(bus, { db, exchange, queueSuffix: "garbage", consumer: "garbage", handle: handleInto(calls) });
  t.after(() => consumer.stop());
  await started(consumer);

  const messageId = randomUUID();
  await publish(bus, exchange, "ledger.TransferPosted", Buffer.from("not a protobuf"), messageId);
  const letter = await until("the dead letter", () => deadLetterOf(db, "garbage", messageId));

  assert.equal(letter.attempts, 1);
  assert.match(letter.last_error, /undecodable EventEnvelope/);
  assert.equal(Buffer.from(letter.payload).toString(), "not a protobuf");
  assert.equal(letter.routing_key, "ledger.TransferPosted");
  assert.equal((letter.headers as Record<string, any>)["x-amqp-properties"]["message-id"], messageId);
  assert.equal(calls.n, 0);
  assert.equal(await consumer.metric("consumer_retried_total"), 0);
  assert.equal(await consumer.metric("consumer_dead_lettered_total"), 1);
});
