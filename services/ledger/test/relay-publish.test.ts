import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AccountOpenedSchema, TransferPostedSchema } from "#gen/wallet/events/v1/ledger_events_pb.js";
import { EVENT_CONTENT_TYPE, writeOutboxEvents, type NewOutboxEvent } from "#platform/outbox/index.js";
import { collectEvents, startTestRelay } from "#platform/outbox/testing/index.js";
import { useTestAmqp, useTestDatabase } from "#platform/testing/index.js";

const database = useTestDatabase({ migrationsFolder: "services/ledger/migrations" });
const amqp = useTestAmqp();

const transferPosted = (transactionId: string): NewOutboxEvent => ({
  aggregateType: "transaction",
  aggregateId: transactionId,
  aggregateVersion: 1n,
  correlationId: `req-${transactionId}`,
  payload: { case: "transferPosted", value: create(TransferPostedSchema, { transactionId }) },
});

test("every committed event reaches a bound queue as a persistent protobuf envelope", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  const exchange = bus.name("events-all");
  const collector = await collectEvents(bus.connection, { exchange, queue: bus.name("all"), bindingKey: "ledger.#" });
  t.after(() => collector.close());

  const ids = await db.transaction().execute((trx) =>
    writeOutboxEvents(trx, "ledger", Array.from({ length: 25 }, (_, i) => transferPosted(`tx-${i}`))),
  );
  const relay = startTestRelay({ db, amqpUrl: bus.url, exchange });
  t.after(() => relay.stop());
  await collector.waitFor({ ids });

  assert.equal(collector.distinctIds.size, 25);
  const first = collector.received.find((r) => r.envelope.eventId === ids[0])!;
  assert.equal(first.message.properties.messageId, ids[0]);
  assert.equal(first.message.properties.type, "wallet.events.v1.TransferPosted");
  assert.equal(first.message.properties.contentType, EVENT_CONTENT_TYPE);
  assert.equal(first.message.properties.deliveryMode, 2);
  assert.equal(first.message.properties.appId, "ledger");
  assert.equal(typeof first.message.properties.timestamp, "number");
  assert.equal(first.message.fields.routingKey, "ledger.TransferPosted");
  assert.deepEqual(
    {
      producer: first.message.properties.headers?.producer,
      aggregateType: first.message.properties.headers?.["aggregate-type"],
      aggregateId: first.message.properties.headers?.["aggregate-id"],
    },
    { producer: "ledger", aggregateType: "transaction", aggregateId: "tx-0" },
  );
  assert.equal(first.envelope.payload.case, "transferPosted");
  assert.equal(first.envelope.correlationId, "req-tx-0");
});

test("published rows are marked sent with their send time", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  const exchange = bus.name("events-sent");
  const collector = await collectEvents(bus.connection, { exchange, queue: bus.name("sent"), bindingKey: "ledger.#" });
  t.after(() => collector.close());

  const ids = await writeOutboxEvents(db, "ledger", [transferPosted("tx-sent")]);
  const relay = startTestRelay({ db, amqpUrl: bus.url, exchange });
  t.after(() => relay.stop());
  await collector.waitFor({ ids });
  await relay.stop();

  const row = await db.selectFrom("outbox_events").selectAll().where("event_id", "=", ids[0]!).executeTakeFirstOrThrow();
  assert.equal(row.status, "sent");
  assert.ok(row.sent_at instanceof Date);
  assert.equal(row.attempts, 0);
});

test("an event written in a rolled-back transaction is never published", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  const exchange = bus.name("events-rollback");
  const collector = await collectEvents(bus.connection, { exchange, queue: bus.name("rollback"), bindingKey: "#" });
  t.after(() => collector.close());

  let rolledBack: string[] = [];
  await db
    .transaction()
    .execute(async (trx) => {
      rolledBack = await writeOutboxEvents(trx, "ledger", [transferPosted("tx-rolled-back")]);
      throw new Error("abort the change");
    })
    .catch(() => {});
  // A committed event written afterwards: once it arrives, the relay has been past the rolled-back one.
  const committed = await writeOutboxEvents(db, "ledger", [transferPosted("tx-committed")]);
  const relay = startTestRelay({ db, amqpUrl: bus.url, exchange });
  t.after(() => relay.stop());
  await collector.waitFor({ ids: committed });
  await relay.stop();

  assert.equal(rolledBack.length, 1);
  assert.equal(collector.distinctIds.has(rolledBack[0]!), false);
  assert.deepEqual([...collector.distinctIds], committed);
});

test("the relay reports published events and an empty backlog on its registry", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  const exchange = bus.name("events-metrics");
  const collector = await collectEvents(bus.connection, { exchange, queue: bus.name("metrics"), bindingKey: "#" });
  t.after(() => collector.close());

  const ids = await writeOutboxEvents(db, "ledger", [
    transferPosted("tx-m1"),
    { aggregateType: "account", aggregateId: "acc-m", payload: { case: "accountOpened", value: create(AccountOpenedSchema, { accountId: "acc-m" }) } },
  ]);
  const relay = startTestRelay({ db, amqpUrl: bus.url, exchange, producer: "ledger" });
  t.after(() => relay.stop());
  await collector.waitFor({ ids });
  await relay.stop();

  const text = await relay.registry.metrics();
  const published = await relay.registry.getSingleMetric("outbox_published_total")!.get();
  assert.equal(published.values.find((v) => v.labels.producer === "ledger")?.value, 2);
  assert.match(text, /^outbox_backlog\{producer="ledger"\} 0$/m);
  assert.match(text, /^outbox_oldest_pending_age_seconds\{producer="ledger"\} 0$/m);
});

test("the backlog gauges count pending rows and the age of the oldest", async (t) => {
  const { db } = await database();
  await writeOutboxEvents(db, "ledger", [transferPosted("tx-b1"), transferPosted("tx-b2")]);
  // A relay of every producer that cannot reach RabbitMQ: the gauges still read the table.
  const idle = startTestRelay({ db, amqpUrl: "amqp://guest:guest@127.0.0.1:1", exchange: "unused", producer: undefined });
  t.after(() => idle.stop());
  const { registry } = idle;

  const backlog = await registry.getSingleMetric("outbox_backlog")!.get();
  const ledgerPending = backlog.values.find((v) => v.labels.producer === "ledger")?.value ?? 0;
  assert.ok(ledgerPending >= 2, `ledger backlog ${ledgerPending}`);
  const age = await registry.getSingleMetric("outbox_oldest_pending_age_seconds")!.get();
  assert.ok((age.values.find((v) => v.labels.producer === "ledger")?.value ?? -1) >= 0);
});

test("readiness passes once the relay is connected to RabbitMQ and fails when it cannot reach it", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  const relay = startTestRelay({ db, amqpUrl: bus.url, exchange: bus.name("events-ready") });
  t.after(() => relay.stop());
  const unreachable = startTestRelay({ db, amqpUrl: "amqp://guest:guest@127.0.0.1:1", exchange: bus.name("events-unready"), producer: "nobody" });
  t.after(() => unreachable.stop());

  while (!relay.relay.connected) await new Promise((r) => setTimeout(r, 10));
  await relay.relay.readiness.check();
  await assert.rejects(unreachable.relay.readiness.check(), /not connected to RabbitMQ/);
});
