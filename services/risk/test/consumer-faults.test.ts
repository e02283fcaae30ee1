/**
 * The risk consumer losing RabbitMQ mid-stream (a TCP proxy between them is
 * cut, then restored): every event is still processed exactly once, with
 * one alert each.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { sql } from "kysely";
import { TransferPostedSchema } from "#gen/wallet/events/v1/ledger_events_pb.js";
import { createTcpProxy, useTestAmqp } from "#platform/testing/index.js";
import { RISK_CONSUMER_NAME } from "../src/event-handler.js";
import { encodeEvent, eventually, publishEvents, startRiskConsumer } from "./support/consumer-harness.js";
import { money, useRisk } from "./support/risk-harness.js";

const risk = useRisk();
const amqp = useTestAmqp();

const EVENTS = 300;

test("RabbitMQ cut off mid-stream and restored loses nothing and repeats nothing", async (t) => {
  const h = await risk();
  const bus = await amqp();
  const target = new URL(bus.url);
  const proxy = await createTcpProxy({ targetHost: target.hostname, targetPort: Number(target.port || 5672) });
  t.after(() => proxy.close());
  // Several deliveries in flight when the connection drops: they come back and must be recognised.
  const consumer = await startRiskConsumer(t, h, bus, "cut", { amqpUrl: proxy.url(bus.url), prefetch: 8, retryDelayMs: 20, maxRetryDelayMs: 200 });

  // 12,000 EUR each: every one raises a HIGH_VALUE_TRANSACTION alert.
  const events = Array.from({ length: EVENTS }, () => {
    const value = create(TransferPostedSchema, { transactionId: randomUUID(), fromUserId: `user-${randomUUID()}`, toAccountId: "acc-cut", amount: money(1_200_000n) });
    return encodeEvent("ledger", { case: "transferPosted", value });
  });
  await publishEvents(bus, consumer.exchange, events);
  await eventually("a third processed", async () => (await consumer.metric("consumer_processed_total")) >= EVENTS / 3);
  proxy.cut();
  await eventually("the consumer to notice", async () => !consumer.consumer.connected);
  proxy.restore();

  const processed = async () =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM processed_events WHERE consumer = ${RISK_CONSUMER_NAME}`.execute(h.db)).rows[0]!.n);
  await eventually("every event", async () => (await processed()) === EVENTS, 20_000);
  const alerts = await sql<{ n: string; sources: string }>`
    SELECT count(*) AS n, count(DISTINCT source_event_id) AS sources FROM risk_alerts WHERE kind = 'HIGH_VALUE_TRANSACTION'
  `.execute(h.db);
  assert.deepEqual([Number(alerts.rows[0]!.n), Number(alerts.rows[0]!.sources)], [EVENTS, EVENTS]);
  assert.equal(await consumer.metric("consumer_processed_total"), EVENTS);
  assert.equal(await consumer.metric("consumer_dead_lettered_total"), 0);
});
