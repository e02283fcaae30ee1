/**
 * Test support for the risk consumer: events encoded as the producers encode
 * them (routing key "<producer>.<Payload>"), published straight to RabbitMQ,
 * and a consumer running risk's real handler against the test file's
 * database and Redis prefix.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { TestContext } from "node:test";
import { randomUUID } from "node:crypto";
import { EventEnvelopeSchema, type EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import { startTestConsumer, type TestConsumer } from "#platform/consumer/testing/index.js";
import type { EventConsumerOptions } from "#platform/consumer/index.js";
import type { TestAmqp } from "#platform/testing/index.js";
import { RISK_CONSUMER_BINDINGS } from "../../src/consumer-config.js";
import { createRiskEventHandler, RISK_CONSUMER_NAME } from "../../src/event-handler.js";
import type { RiskHarness } from "./risk-harness.js";

/** An event ready to publish. */
export interface EncodedEvent {
  readonly eventId: string;
  readonly routingKey: string;
  readonly bytes: Buffer;
}

/** Encodes a payload in an envelope from `producer`, its type and routing key named after the payload. */
export function encodeEvent(producer: "ledger" | "identity", payload: EventEnvelope["payload"], occurredAt?: Date): EncodedEvent {
  const eventId = randomUUID();
  const name = payload.case ? payload.case[0]!.toUpperCase() + payload.case.slice(1) : "Unknown";
  const envelope = create(EventEnvelopeSchema, {
    eventId,
    eventType: `wallet.events.v1.${name}`,
    occurredAt: occurredAt ? timestampFromDate(occurredAt) : undefined,
    aggregateId: randomUUID(),
    producer,
    payload,
  });
  return { eventId, routingKey: `${producer}.${name}`, bytes: Buffer.from(toBinary(EventEnvelopeSchema, envelope)) };
}

/** Publishes the events to `exchange` in order on one confirm channel, past any proxy. */
export async function publishEvents(bus: TestAmqp, exchange: string, events: readonly EncodedEvent[]): Promise<void> {
  const channel = await bus.connection.createConfirmChannel();
  try {
    await channel.assertExchange(exchange, "topic", { durable: true });
    for (const e of events) channel.publish(exchange, e.routingKey, e.bytes, { persistent: true, messageId: e.eventId, contentType: "application/x-protobuf" });
    await channel.waitForConfirms();
  } finally {
    await channel.close();
  }
}

/** Polls `probe` until it is true. */
export async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A running risk consumer and the exchange its queue is bound to. */
export interface RiskTestConsumer extends TestConsumer {
  readonly exchange: string;
}

/**
 * A connected risk consumer with the production bindings on a fresh exchange
 * and queue named after `name`; stopped after the test.
 */
export async function startRiskConsumer(
  t: TestContext,
  risk: RiskHarness,
  bus: TestAmqp,
  name: string,
  options: Partial<EventConsumerOptions> = {},
): Promise<RiskTestConsumer> {
  const { db, deps } = risk;
  const exchange = bus.name(`events-${name}`);
  // As consumer.ts does: loaded before the first burst of transactions holds every pool connection.
  await deps.rules.current();
  const handle = createRiskEventHandler({ rules: deps.rules, velocity: deps.velocity, fallbackThresholdMinor: 1_000_000n, clock: deps.clock });
  const consumer = startTestConsumer(bus, {
    db,
    exchange,
    queueSuffix: name,
    consumer: RISK_CONSUMER_NAME,
    bindings: RISK_CONSUMER_BINDINGS,
    handle,
    ...options,
  });
  t.after(() => consumer.stop());
  await eventually("the consumer to connect", async () => consumer.consumer.connected);
  return { ...consumer, exchange };
}

/** Deliveries the consumer has finished with: processed plus recognised duplicates. */
export async function settled(consumer: TestConsumer): Promise<number> {
  return (await consumer.metric("consumer_processed_total")) + (await consumer.metric("consumer_duplicates_total"));
}
