import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AccountOpenedSchema, TransferPostedSchema } from "#gen/wallet/events/v1/ledger_events_pb.js";
import { replayDeadOutboxEvents, writeOutboxEvents, type NewOutboxEvent } from "#platform/outbox/index.js";
import { collectEvents, startTestRelay } from "#platform/outbox/testing/index.js";
import { useTestAmqp, useTestDatabase } from "#platform/testing/index.js";

const database = useTestDatabase({ migrationsFolder: "services/ledger/migrations" });
const amqp = useTestAmqp();

// With `mandatory`, an event no queue is bound for comes back from RabbitMQ:
// a deterministic publish failure that binding a queue fixes.
const transferPosted = (transactionId: string): NewOutboxEvent => ({
  aggregateType: "transaction",
  aggregateId: transactionId,
  payload: { case: "transferPosted", value: create(TransferPostedSchema, { transactionId }) },
});
const accountOpened = (accountId: string): NewOutboxEvent => ({
  aggregateType: "account",
  aggregateId: accountId,
  payload: { case: "accountOpened", value: create(AccountOpenedSchema, { accountId }) },
});

interface Snapshot {
  status: string;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

const metricValue = async (relay: ReturnType<typeof startTestRelay>, name: string) =>
  (await relay.registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.producer === "ledger")?.value ?? 0;

test("an unpublishable row is retried with growing attempts and a later next attempt, then dead-lettered", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  const exchange = bus.name("events-retry");
  const collector = await collectEvents(bus.connection, { exchange, queue: bus.name("retry"), bindingKey: "ledger.AccountOpened" });
  t.after(() => collector.close());
  const [eventId] = await writeOutboxEvents(db, "ledger", [transferPosted("tx-unroutable")]);

  const relay = startTestRelay({ db, amqpUrl: bus.url, exchange, mandatory: true, maxAttempts: 4, backoff: { baseMs: 40, maxMs: 400 }, pollIntervalMs: 100 });
  t.after(() => relay.stop());
  const snapshots: Snapshot[] = [];
  for (;;) {
    const row = await db.selectFrom("outbox_events").selectAll().where("event_id", "=", eventId!).executeTakeFirstOrThrow();
    const snapshot = { status: row.status, attempts: row.attempts, nextAttemptAt: row.next_attempt_at.getTime(), lastError: row.last_error };
    if (snapshots.at(-1)?.attempts !== snapshot.attempts) snapshots.push(snapshot);
    if (row.status === "dead") break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await relay.stop();

  // Attempts are at least a poll interval apart; a loaded machine may still hide one from the snapshots.
  const failed = snapshots.filter((s) => s.attempts > 0);
  const retrying = failed.filter((s) => s.status === "pending");
  assert.ok(retrying.length >= 2, `saw ${JSON.stringify(failed)}`);
  assert.deepEqual(failed.at(-1) && { status: failed.at(-1)!.status, attempts: failed.at(-1)!.attempts }, { status: "dead", attempts: 4 });
  for (let i = 1; i < retrying.length; i++) {
    assert.ok(retrying[i]!.attempts > retrying[i - 1]!.attempts, "attempts grow");
    assert.ok(retrying[i]!.nextAttemptAt > retrying[i - 1]!.nextAttemptAt, "next_attempt_at moves on");
  }
  assert.match(retrying[0]!.lastError ?? "", /unroutable/);
  assert.match(failed.at(-1)!.lastError ?? "", /unroutable/);
  assert.equal(await metricValue(relay, "outbox_publish_failures_total"), 4);
  assert.equal(await metricValue(relay, "outbox_dead_total"), 1);
  assert.equal(collector.received.length, 0);
});

test("a refused message costs only its own row an attempt; its batch-mates are sent", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  const exchange = bus.name("events-mixed");
  const collector = await collectEvents(bus.connection, { exchange, queue: bus.name("mixed"), bindingKey: "ledger.AccountOpened" });
  t.after(() => collector.close());
  const [routable, unroutable] = await writeOutboxEvents(db, "ledger", [accountOpened("acc-mixed"), transferPosted("tx-mixed")]);

  const relay = startTestRelay({ db, amqpUrl: bus.url, exchange, mandatory: true, backoff: { baseMs: 60_000, maxMs: 60_000 } });
  t.after(() => relay.stop());
  await collector.waitFor({ ids: [routable!] });
  for (;;) {
    const row = await db.selectFrom("outbox_events").select("attempts").where("event_id", "=", unroutable!).executeTakeFirstOrThrow();
    if (row.attempts > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await relay.stop();

  const rows = await db.selectFrom("outbox_events").select(["event_id", "status", "attempts"]).where("event_id", "in", [routable!, unroutable!]).execute();
  const byId = new Map(rows.map((r) => [r.event_id, { status: r.status, attempts: r.attempts }]));
  assert.deepEqual(byId.get(routable!), { status: "sent", attempts: 0 });
  assert.deepEqual(byId.get(unroutable!), { status: "pending", attempts: 1 });
});

test("replay re-queues dead rows and, once they can be routed, the relay publishes each once", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  const exchange = bus.name("events-replay");
  const queue = bus.name("replay");
  const collector = await collectEvents(bus.connection, { exchange, queue, bindingKey: "nothing.yet" });
  t.after(() => collector.close());
  // A producer of its own, so the dead rows of the tests above stay out of this one.
  const producer = "replay-test";
  const ids = await writeOutboxEvents(db, producer, [transferPosted("tx-replay-1"), transferPosted("tx-replay-2")]);

  const relay = startTestRelay({ db, amqpUrl: bus.url, exchange, producer, mandatory: true, maxAttempts: 2, backoff: { baseMs: 10, maxMs: 20 } });
  t.after(() => relay.stop());
  for (;;) {
    const dead = await db.selectFrom("outbox_events").select("event_id").where("event_id", "in", ids).where("status", "=", "dead").execute();
    if (dead.length === ids.length) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  // The fix: a consumer binds the routing key. Then the operator replays.
  const channel = await bus.connection.createChannel();
  await channel.bindQueue(queue, exchange, `${producer}.#`);
  await channel.close();
  assert.equal(await replayDeadOutboxEvents(db, { limit: 200, producer }), 2);

  await collector.waitFor({ ids });
  await relay.stop();
  assert.equal(collector.received.length, 2);
  const rows = await db.selectFrom("outbox_events").select(["status", "attempts"]).where("event_id", "in", ids).execute();
  assert.deepEqual(rows, [{ status: "sent", attempts: 0 }, { status: "sent", attempts: 0 }]);
});

test("replay re-queues at most its limit, oldest first, and leaves other rows alone", async () => {
  const { db } = await database();
  const producer = "limit-test";
  const ids = await writeOutboxEvents(db, producer, [transferPosted("tx-l1"), transferPosted("tx-l2"), transferPosted("tx-l3")]);
  const [pendingOne] = await writeOutboxEvents(db, producer, [transferPosted("tx-l4")]);
  await db.updateTable("outbox_events").set({ status: "dead", attempts: 10, last_error: "boom" }).where("event_id", "in", ids).execute();

  assert.equal(await replayDeadOutboxEvents(db, { limit: 2, producer }), 2);
  const rows = await db.selectFrom("outbox_events").select(["event_id", "status", "attempts", "last_error"]).where("event_id", "in", [...ids, pendingOne!]).execute();
  const byId = new Map(rows.map((r) => [r.event_id, r]));
  assert.deepEqual(ids.map((id) => byId.get(id)!.status), ["pending", "pending", "dead"]);
  assert.equal(byId.get(ids[0]!)!.attempts, 0);
  assert.equal(byId.get(ids[0]!)!.last_error, "boom");
  assert.equal(byId.get(pendingOne!)!.status, "pending");
});
