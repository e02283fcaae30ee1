import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { TransferPostedSchema } from "#gen/wallet/events/v1/ledger_events_pb.js";
import { writeOutboxEvents } from "#platform/outbox/index.js";
import { collectEvents, startTestRelay } from "#platform/outbox/testing/index.js";
import { createTcpProxy, useTestAmqp, useTestDatabase } from "#platform/testing/index.js";

const database = useTestDatabase({ migrationsFolder: "services/ledger/migrations" });
const amqp = useTestAmqp();

const TOTAL = 10_000;
const PER_TRANSACTION = 50;

test("no event is lost when RabbitMQ becomes unreachable a third of the way and comes back halfway", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  const exchange = bus.name("events");
  const collector = await collectEvents(bus.connection, { exchange, queue: bus.name("all"), bindingKey: "ledger.#" });
  t.after(() => collector.close());
  const target = new URL(bus.url);
  const proxy = await createTcpProxy({ targetHost: target.hostname, targetPort: Number(target.port || 5672) });
  t.after(() => proxy.close());

  // The relay reaches RabbitMQ only through the proxy; the collector connects directly.
  const relay = startTestRelay({ db, amqpUrl: proxy.url(bus.url), exchange, batchSize: 200, backoff: { baseMs: 20, maxMs: 250 } });
  t.after(() => relay.stop());

  const written: string[] = [];
  let cutAt = -1;
  let restoredAt = -1;
  let receivedAtCut = -1;
  let sawDisconnected = false;
  while (written.length < TOTAL) {
    const batch = Array.from({ length: PER_TRANSACTION }, (_, i) => {
      const transactionId = `tx-${written.length + i}`;
      return {
        aggregateType: "transaction",
        aggregateId: transactionId,
        payload: { case: "transferPosted", value: create(TransferPostedSchema, { transactionId }) } as const,
      };
    });
    written.push(...(await db.transaction().execute((trx) => writeOutboxEvents(trx, "ledger", batch))));
    if (cutAt < 0 && written.length >= TOTAL / 3) {
      proxy.cut();
      cutAt = written.length;
      receivedAtCut = collector.distinctIds.size;
    } else if (cutAt >= 0 && restoredAt < 0 && written.length >= TOTAL / 2) {
      proxy.restore();
      restoredAt = written.length;
    }
    if (proxy.isCut && !relay.relay.connected) sawDisconnected = true;
    // Pace the writer a little so the relay is publishing when the cut comes.
    await new Promise((resolve) => setTimeout(resolve, 2));
  }

  await collector.waitFor({ ids: written }, 50_000);
  await relay.stop();

  t.diagnostic(
    `written ${written.length}; cut after ${cutAt} written (${receivedAtCut} received), restored after ${restoredAt}; ` +
      `delivered ${collector.received.length}, distinct ${collector.distinctIds.size}, duplicates ${collector.duplicates}`,
  );
  assert.equal(collector.distinctIds.size, TOTAL);
  assert.deepEqual(new Set(written), collector.distinctIds);
  assert.ok(receivedAtCut > 0, "the relay was publishing before the cut");
  assert.ok(sawDisconnected, "the relay noticed the outage");
  const rows = await db
    .selectFrom("outbox_events")
    .select((eb) => eb.fn.countAll<string>().as("unsent"))
    .where("status", "!=", "sent")
    .executeTakeFirstOrThrow();
  assert.equal(Number(rows.unsent), 0);
  const attempts = await db.selectFrom("outbox_events").select((eb) => eb.fn.max("attempts").as("max")).executeTakeFirstOrThrow();
  assert.equal(attempts.max, 0, "a lost connection costs the unconfirmed rows no attempt");
});

test("an exchange deleted under a running relay is declared again, costing the rows in flight one attempt", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  const exchange = bus.name("events-deleted");
  const queue = bus.name("deleted");
  // Declares the exchange and a queue for this producer's events.
  const collector = await collectEvents(bus.connection, { exchange, queue, bindingKey: "deleted-test.#" });
  t.after(() => collector.close());
  const relay = startTestRelay({ db, amqpUrl: bus.url, exchange, producer: "deleted-test", backoff: { baseMs: 10, maxMs: 50 } });
  t.after(() => relay.stop());
  const event = (id: string) => ({
    aggregateType: "transaction",
    aggregateId: id,
    payload: { case: "transferPosted", value: create(TransferPostedSchema, { transactionId: id }) } as const,
  });
  await collector.waitFor({ ids: await writeOutboxEvents(db, "deleted-test", [event("tx-before")]) });

  const channel = await bus.connection.createChannel();
  await channel.deleteExchange(exchange);
  await channel.close();
  const after = await writeOutboxEvents(db, "deleted-test", [event("tx-after")]);
  let row;
  for (;;) {
    row = await db.selectFrom("outbox_events").selectAll().where("event_id", "=", after[0]!).executeTakeFirstOrThrow();
    if (row.status === "sent") break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  t.diagnostic(`attempts before success: ${row.attempts}, last error: ${row.last_error}`);
  assert.equal(row.attempts, 1);
  assert.match(row.last_error ?? "", /NOT_FOUND|404/);
});
