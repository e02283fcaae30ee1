import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { Registry } from "prom-client";
import { EventEnvelopeSchema } from "../../../gen/wallet/events/v1/envelope_pb.js";
import { TransferPostedSchema } from "../../../gen/wallet/events/v1/ledger_events_pb.js";
import { startAdminServer } from "../../health/index.js";
import { createTcpProxy, useTestAmqp, useTestDatabase } from "../../testing/index.js";
import { startTestConsumer } from "../testing/index.js";

const database = useTestDatabase({ migrationsFolder: "platform/consumer/migrations" });
const amqp = useTestAmqp();

/** The reconnect cap under test, far below the retry ceiling. */
const CAP_MS = 500;
/** Connecting through the proxy and declaring the topology, on a busy 2-core machine. */
const MARGIN_MS = 1_500;

interface AmqpDetail {
  readonly ok: boolean;
  readonly reconnectAttempt: number;
  readonly retryInMs: number;
  readonly reconnectDelayMs: number;
  readonly reconnectMaxMs: number;
}

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test("after a long RabbitMQ outage the consumer reconnects within AMQP_RECONNECT_MAX_MS, and /readyz shows the wait", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  const target = new URL(bus.url);
  const proxy = await createTcpProxy({ targetHost: target.hostname, targetPort: Number(target.port || 5672) });
  t.after(() => proxy.close());
  const exchange = bus.name("events-reconnect");
  const handled: string[] = [];
  // The retry ceiling is a minute: before reconnects had their own cap, they backed off that far.
  const consumer = startTestConsumer(bus, {
    db,
    exchange,
    queueSuffix: "reconnect",
    consumer: "reconnect",
    amqpUrl: proxy.url(bus.url),
    retryDelayMs: 50,
    maxRetryDelayMs: 60_000,
    reconnectMaxMs: CAP_MS,
    handle: async (envelope) => void handled.push(envelope.eventId),
  });
  t.after(() => consumer.stop());
  const admin = await startAdminServer({
    port: 0,
    host: "127.0.0.1",
    registry: new Registry(),
    readiness: [consumer.consumer.readiness],
    isShuttingDown: () => false,
  });
  t.after(() => admin.close());
  const readyz = async () => {
    const res = await fetch(`${admin.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { checks: Record<string, string>; details?: Record<string, AmqpDetail> } };
  };

  await until("the consumer", () => consumer.consumer.connected);
  const healthy = await readyz();
  assert.equal(healthy.status, 200);
  assert.deepEqual(healthy.body.details, {
    "amqp:reconnect": { ok: true, reconnectAttempt: 0, retryInMs: 0, reconnectDelayMs: 0, reconnectMaxMs: CAP_MS },
  });

  proxy.cut();
  await until("the consumer to notice", () => !consumer.consumer.connected);
  // Published directly (not through the proxy) while the consumer is away.
  const eventId = randomUUID();
  const envelope = create(EventEnvelopeSchema, {
    eventId,
    eventType: "wallet.events.v1.TransferPosted",
    aggregateType: "transaction",
    aggregateId: "tx-during-outage",
    producer: "ledger",
    payload: { case: "transferPosted", value: create(TransferPostedSchema, { transactionId: "tx-during-outage" }) },
  });
  const channel = await bus.connection.createConfirmChannel();
  channel.publish(exchange, "ledger.TransferPosted", Buffer.from(toBinary(EventEnvelopeSchema, envelope)), { persistent: true, messageId: eventId });
  await channel.waitForConfirms();
  await channel.close();

  // Long enough for ~10 failed attempts: uncapped, the 10th wait alone would be 13-26 s.
  const samples: AmqpDetail[] = [];
  const outageEnds = Date.now() + 4_000;
  while (Date.now() < outageEnds) {
    const { status, body } = await readyz();
    assert.equal(status, 503);
    assert.equal(body.checks["amqp:reconnect"], "failed");
    samples.push(body.details!["amqp:reconnect"]!);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const last = samples.at(-1)!;
  t.diagnostic(`${samples.length} /readyz samples; last ${JSON.stringify(last)}`);
  assert.ok(samples.every((s) => !s.ok && s.reconnectMaxMs === CAP_MS));
  assert.ok(samples.every((s) => s.reconnectDelayMs <= CAP_MS && s.retryInMs <= CAP_MS), "no wait above the cap");
  assert.ok(samples.some((s) => s.retryInMs > 0), "/readyz showed a wait in progress");
  assert.ok(last.reconnectAttempt >= 8, `attempts kept coming: ${last.reconnectAttempt}`);
  assert.equal(handled.length, 0, "nothing handled while away");

  proxy.restore();
  const restoredAt = Date.now();
  await until("the consumer to reconnect", () => consumer.consumer.connected, CAP_MS + MARGIN_MS + 5_000);
  const tookMs = Date.now() - restoredAt;
  t.diagnostic(`reconnected ${tookMs} ms after the broker came back`);
  assert.ok(tookMs <= CAP_MS + MARGIN_MS, `reconnected after ${tookMs} ms, cap ${CAP_MS} ms`);
  await until("the event published during the outage", () => handled.includes(eventId), MARGIN_MS);
  const recovered = await readyz();
  assert.equal(recovered.status, 200);
  assert.deepEqual(recovered.body.details!["amqp:reconnect"], { ok: true, reconnectAttempt: 0, retryInMs: 0, reconnectDelayMs: 0, reconnectMaxMs: CAP_MS });
});
