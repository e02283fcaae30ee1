/**
 * Test support for the notification service: a fresh migrated database per
 * test file, the API's handlers behind an in-memory Connect transport
 * (createRouterTransport) with a settable clock, recipients seeded straight
 * into the tables, and the consumer running the real event handler on
 * RabbitMQ with events encoded as the producers encode them (routing key
 * "<producer>.<Payload>").
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { ConnectError, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import type { TestContext } from "node:test";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { MoneySchema } from "#gen/wallet/common/v1/money_pb.js";
import { EventEnvelopeSchema, type EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import { NotificationService } from "#gen/wallet/notification/v1/notification_service_pb.js";
import type { EventConsumerOptions } from "#platform/consumer/index.js";
import { startTestConsumer, type TestConsumer } from "#platform/consumer/testing/index.js";
import { createCallGraphInterceptor } from "#platform/internal-auth/index.js";
import { asVerifiedCaller } from "#platform/internal-auth/testing/index.js";
import { callGraph } from "#platform/mesh/call-graph.js";
import { createSilentLogger } from "#platform/logging/index.js";
import { useTestDatabase, type TestAmqp } from "#platform/testing/index.js";
import { NOTIFICATION_CONSUMER_BINDINGS } from "../../src/consumer-config.js";
import type { NotificationDeps } from "../../src/context.js";
import { createNotificationEventHandler, NOTIFICATION_CONSUMER_NAME } from "../../src/event-handler.js";
import { createNotificationRoutes } from "../../src/routes.js";
import type { NotificationDatabase } from "../../src/storage/notification.table.js";
import { setPushToken, upsertRecipient } from "../../src/storage/recipients.repository.js";

export const migrationsFolder = new URL("../../migrations", import.meta.url).pathname;

/** A clock tests move by hand. */
export interface TestClock {
  (): Date;
  advance(ms: number): void;
}

/** A notification client over the in-memory transport. */
export type NotificationClient = Client<typeof NotificationService>;

/** What a test file works with. */
export interface NotificationHarness {
  readonly db: Kysely<NotificationDatabase>;
  readonly deps: NotificationDeps;
  readonly clock: TestClock;
  /** Calls as backoffice, which may call every RPC. */
  readonly client: NotificationClient;
  /** Calls as another internal service, or with no verified caller (undefined). */
  clientAs(callerId: string | undefined): NotificationClient;
}

/** Registers the per-file database; returns an async accessor to the harness. */
export function useNotification() {
  const database = useTestDatabase<NotificationDatabase>({ migrationsFolder });
  let harness: Promise<NotificationHarness> | undefined;
  return () =>
    (harness ??= (async () => {
      const { db } = await database();
      let now = Date.now();
      const clock = (() => new Date(now)) as TestClock;
      clock.advance = (ms) => void (now += ms);
      const deps: NotificationDeps = { db, logger: createSilentLogger(), clock };
      // Behind the mesh's call graph, as serveProcess serves the routes.
      const callGraphCheck = createCallGraphInterceptor({ graph: callGraph });
      const clientAs = (callerId: string | undefined) =>
        createClient(NotificationService, createRouterTransport(createNotificationRoutes(deps), { router: { interceptors: [asVerifiedCaller(callerId), callGraphCheck] } }));
      return { db, deps, clock, client: clientAs("backoffice"), clientAs };
    })());
}

/** The ConnectError a call is refused with; fails the test when the call succeeds. */
export async function refusal(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("the call succeeded");
}

/** A fresh user id. */
export const newUserId = () => `user-${randomUUID()}`;

/** Seeds a recipient as UserRegistered and DeviceRegistered would; answers the user id. */
export async function seedRecipient(
  h: { readonly db: Kysely<NotificationDatabase>; readonly clock: () => Date },
  r: { userId?: string; email?: string; phoneNumber?: string; pushToken?: string; locale?: string } = {},
): Promise<string> {
  const userId = r.userId ?? newUserId();
  const email = r.email ?? `${userId}@example.test`;
  await upsertRecipient(h.db, { userId, email, phoneNumber: r.phoneNumber ?? null, locale: r.locale ?? "en" }, h.clock());
  if (r.pushToken) await setPushToken(h.db, { deviceId: `device-${randomUUID()}`, userId, pushToken: r.pushToken }, h.clock());
  return userId;
}

/** A user reachable on every channel. */
export const everyChannel = { phoneNumber: "+4915112345678", pushToken: "push-token-1" };

/** The notification rows of a user, oldest first, bodies included. */
export const rowsOf = (h: NotificationHarness, userId: string) =>
  h.db.selectFrom("notifications").selectAll().where("user_id", "=", userId).orderBy("channel").execute();

/** Money in minor units. */
export const money = (amountMinor: bigint, currency = "EUR") => create(MoneySchema, { amountMinor, currency });

/** An event ready to publish. */
export interface EncodedEvent {
  readonly eventId: string;
  readonly routingKey: string;
  readonly bytes: Buffer;
}

/** Encodes a payload in an envelope from `producer`, its type and routing key named after the payload. */
export function encodeEvent(producer: "identity" | "ledger" | "risk", payload: EventEnvelope["payload"]): EncodedEvent {
  const eventId = randomUUID();
  const eventType = payload.case === undefined ? "wallet.events.v1.Unknown" : payload.value.$typeName;
  const envelope = create(EventEnvelopeSchema, { eventId, eventType, aggregateId: randomUUID(), producer, payload });
  const routingKey = `${producer}.${eventType.slice(eventType.lastIndexOf(".") + 1)}`;
  return { eventId, routingKey, bytes: Buffer.from(toBinary(EventEnvelopeSchema, envelope)) };
}

/** Polls `probe` until it is true. */
export async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A running notification consumer and a way to publish to its exchange. */
export interface NotificationTestConsumer extends TestConsumer {
  publish(...events: EncodedEvent[]): Promise<void>;
  /** Deliveries finished with: processed plus recognised duplicates. */
  settled(): Promise<number>;
  /** Waits until `n` deliveries are finished with. */
  waitForSettled(n: number): Promise<void>;
}

/**
 * A connected notification consumer with the production bindings on a fresh
 * exchange and queue named after `name`; stopped after the test.
 */
export async function startNotificationConsumer(
  t: TestContext,
  h: Pick<NotificationHarness, "db">,
  bus: TestAmqp,
  name: string,
  options: Partial<EventConsumerOptions> & { logger?: Logger } = {},
): Promise<NotificationTestConsumer> {
  const exchange = bus.name(`events-${name}`);
  const consumer = startTestConsumer(bus, {
    db: h.db,
    exchange,
    queueSuffix: name,
    consumer: NOTIFICATION_CONSUMER_NAME,
    bindings: NOTIFICATION_CONSUMER_BINDINGS,
    handle: createNotificationEventHandler({ clock: () => new Date(), logger: options.logger ?? createSilentLogger() }),
    ...options,
  });
  t.after(() => consumer.stop());
  const settled = async () => (await consumer.metric("consumer_processed_total")) + (await consumer.metric("consumer_duplicates_total"));
  await eventually("the consumer to connect", async () => consumer.consumer.connected);
  return {
    ...consumer,
    async publish(...events) {
      const channel = await bus.connection.createConfirmChannel();
      try {
        for (const e of events) channel.publish(exchange, e.routingKey, e.bytes, { persistent: true, messageId: e.eventId, contentType: "application/x-protobuf" });
        await channel.waitForConfirms();
      } finally {
        await channel.close();
      }
    },
    settled,
    waitForSettled: (n) => eventually(`${n} deliveries`, async () => (await settled()) >= n),
  };
}
