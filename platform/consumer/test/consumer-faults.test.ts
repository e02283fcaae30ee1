import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { sql, type Kysely } from "kysely";
import { EventEnvelopeSchema, type EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import { TransferPostedSchema } from "#gen/wallet/events/v1/ledger_events_pb.js";
import { startTestConsumer } from "#platform/consumer/testing/index.js";
import { createTcpProxy, useTestAmqp, useTestDatabase, type TestAmqp } from "#platform/testing/index.js";

const database = useTestDatabase({ migrationsFolder: "platform/consumer/migrations" });
const amqp = useTestAmqp();

const encode = (transactionId: string) => {
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
};

async function publishAll(bus: TestAmqp, exchange: string, events: { eventId: string; bytes: Buffer }[]): Promise<void> {
  const channel = await bus.connection.createConfirmChannel();
  await channel.assertExchange(exchange, "topic", { durable: true });
  for (const e of events) channel.publish(exchange, "ledger.TransferPosted", e.bytes, { persistent: true, messageId: e.eventId });
  await channel.waitForConfirms();
  await channel.close();
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const count = async (db: Kysely<any>, query: ReturnType<typeof sql<{ n: string }>>) => Number((await query.execute(db)).rows[0]!.n);

test("RabbitMQ cut off mid-stream and restored: every event has exactly one effect", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  await sql`CREATE TABLE cut_effects (event_id uuid NOT NULL)`.execute(db);
  const target = new URL(bus.url);
  const proxy = await createTcpProxy({ targetHost: target.hostname, targetPort: Number(target.port || 5672) });
  t.after(() => proxy.close());
  const exchange = bus.name("events-cut");
  const consumer = startTestConsumer(bus, {
    db,
    exchange,
    queueSuffix: "cut",
    consumer: "cut",
    amqpUrl: proxy.url(bus.url),
    retryDelayMs: 20,
    maxRetryDelayMs: 200,
    prefetch: 5,
    handle: async (envelope: EventEnvelope, trx) => {
      await sql`INSERT INTO cut_effects (event_id) VALUES (${envelope.eventId})`.execute(trx);
      await new Promise((resolve) => setTimeout(resolve, 2));
    },
  });
  t.after(() => consumer.stop());
  await until("the consumer", async () => consumer.consumer.connected);

  const events = Array.from({ length: 200 }, (_, i) => encode(`tx-cut-${i}`));
  await publishAll(bus, exchange, events);
  await until("some progress", async () => (await consumer.metric("consumer_processed_total")) >= 20);
  proxy.cut();
  await until("the consumer to notice", async () => !consumer.consumer.connected);
  await assert.rejects(consumer.consumer.readiness.check());
  await new Promise((resolve) => setTimeout(resolve, 100));
  proxy.restore();

  await until("every event", async () => (await count(db, sql<{ n: string }>`SELECT count(DISTINCT event_id) AS n FROM cut_effects`)) === events.length);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(await count(db, sql<{ n: string }>`SELECT count(*) AS n FROM cut_effects`), events.length, "no effect twice");
  assert.equal(await consumer.metric("consumer_processed_total"), events.length);
  await consumer.consumer.readiness.check();
});

test("a message redelivered past x-delivery-limit is dead-lettered by RabbitMQ and recorded", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  const exchange = bus.name("events-limit");
  const options = { db, exchange, queueSuffix: "limit", consumer: "limit", deliveryLimit: 2, handle: async () => {} };
  // Declare the topology, then stop: a raw channel plays a consumer that dies before every ack.
  const first = startTestConsumer(bus, options);
  await until("the consumer", async () => first.consumer.connected);
  await first.stop();
  const queue = first.consumer.topology.queue;

  const event = encode("tx-limit");
  await publishAll(bus, exchange, [event]);
  const channel = await bus.connection.createChannel();
  let deliveries = 0;
  await channel.consume(queue, (message) => {
    if (!message) return;
    deliveries++;
    channel.nack(message, false, true);
  });
  await until("the broker to give up", async () => deliveries >= 3 && (await channel.checkQueue(queue)).messageCount === 0);
  await channel.close();

  const second = startTestConsumer(bus, options);
  t.after(() => second.stop());
  await until("the dead letter row", async () => (await second.metric("consumer_dead_lettered_total")) === 1);
  const row = await db.selectFrom("dead_letter_events").selectAll().where("event_id", "=", event.eventId).executeTakeFirstOrThrow();
  assert.equal(row.consumer, "limit");
  assert.match(row.last_error, /delivery_limit/);
  assert.equal(row.routing_key, "ledger.TransferPosted");
  assert.deepEqual(Buffer.from(row.payload), event.bytes);
});
