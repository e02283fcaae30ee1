/**
 * Real parts for the delivery tests: the notification database (migrated),
 * a Redis key prefix, an SMTP server (smtp-server) collecting messages, an
 * HTTP gateway sink whose behaviour a test switches, and a worker wired to
 * them with tiny backoff settings.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import type { Insertable, Kysely } from "kysely";
import { Registry } from "prom-client";
import { SMTPServer } from "smtp-server";
import { createSilentLogger } from "#platform/logging/index.js";
import { useResource, useTestDatabase, useTestRedis } from "#platform/testing/index.js";
import { createProviders } from "../../src/delivery/create-providers.js";
import { createDeliveryWorker, type DeliveryWorker, type DeliveryWorkerOptions } from "../../src/delivery/delivery-worker.js";
import { createUserRateCap } from "../../src/delivery/user-rate-cap.js";
import type { CategoryName, ChannelName, NotificationDatabase, NotificationStatusName, NotificationsTable } from "../../src/storage/notification.table.js";

/** An email the SMTP server accepted. */
export interface ReceivedEmail {
  readonly from: string;
  readonly to: string[];
  /** The raw message (headers and body). */
  readonly raw: string;
}

/** How the HTTP sink answers: 200, 503, 500 or 400. */
export type SinkMode = "up" | "down" | "failing" | "rejecting";

/** A request the HTTP sink received. */
export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  /** What the sink answered. */
  readonly status: number;
}

const statusOf: Record<SinkMode, number> = { up: 200, down: 503, failing: 500, rejecting: 400 };

/** The keys the sink expects; the signing secrets the worker signs with. */
export const SMS_API_KEY = "sms-test-api-key-123";
export const PUSH_API_KEY = "push-test-api-key-456";
export const SMS_SIGNING_SECRET = "sms-signing-secret-for-tests-0123456789";
export const PUSH_SIGNING_SECRET = "push-signing-secret-for-tests-0123456789";

async function startSmtpSink() {
  const emails: ReceivedEmail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    // Addresses starting with "reject" are refused the way a real server refuses an unknown mailbox.
    onRcptTo(address, _session, callback) {
      if (!address.address.startsWith("reject")) return callback();
      callback(Object.assign(new Error(`mailbox unavailable: ${address.address}`), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        emails.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return { emails, url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function startHttpSink() {
  const requests: ReceivedRequest[] = [];
  const sink = { mode: "up" as SinkMode };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const status = statusOf[sink.mode];
      requests.push({ path: req.url ?? "", headers: req.headers, rawBody: Buffer.concat(chunks).toString("utf8"), status });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(status === 200 ? { id: `gw-${requests.length}` } : { error: "unavailable for +15551234567" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    sink,
    requests,
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Everything a delivery test uses. */
export interface DeliveryHarness {
  readonly db: Kysely<NotificationDatabase>;
  readonly databaseUrl: string;
  readonly emails: ReceivedEmail[];
  readonly requests: ReceivedRequest[];
  /** Switch to change how the HTTP sink answers. */
  readonly sink: { mode: SinkMode };
  /** Starts a worker in the background; stop it with the returned function. */
  startWorker(overrides?: WorkerOverrides): RunningWorker;
  /** Runs a worker until the notification reaches `status`, then stops it. */
  deliverUntil(id: string, status: NotificationStatusName, overrides?: WorkerOverrides): Promise<void>;
}

/** Settings a test changes; `rateLimit` is the per-user cap (default 100). */
export type WorkerOverrides = Partial<DeliveryWorkerOptions> & { rateLimit?: number };

/** A worker running in the background. */
export interface RunningWorker {
  readonly worker: DeliveryWorker;
  readonly registry: Registry;
  stop(): Promise<void>;
}

/** Registers the resources for one test file; returns an async accessor. */
export function useDelivery(): () => Promise<DeliveryHarness> {
  const database = useTestDatabase<NotificationDatabase>({ migrationsFolder: "services/notification/migrations", poolSize: 10 });
  const redis = useTestRedis();
  const servers = useResource(
    async () => ({ smtp: await startSmtpSink(), http: await startHttpSink() }),
    async ({ smtp, http }) => void (await Promise.all([smtp.close(), http.close()])),
  );
  return async () => {
    const [{ db, url }, testRedis, { smtp, http }] = await Promise.all([database(), redis(), servers()]);
    const providers = createProviders(
      {
        NODE_ENV: "test",
        NOTIFICATION_SMTP_URL: smtp.url,
        NOTIFICATION_EMAIL_FROM: "Wallet <no-reply@wallet.test>",
        NOTIFICATION_SMS_URL: `${http.baseUrl}/sms`,
        NOTIFICATION_PUSH_URL: `${http.baseUrl}/push`,
        NOTIFICATION_SMS_API_KEY: SMS_API_KEY,
        NOTIFICATION_PUSH_API_KEY: PUSH_API_KEY,
        NOTIFICATION_SMS_SIGNING_SECRET: SMS_SIGNING_SECRET,
        NOTIFICATION_PUSH_SIGNING_SECRET: PUSH_SIGNING_SECRET,
        NOTIFICATION_SEND_TIMEOUT: 2_000,
      },
      db,
    );
    const harness: DeliveryHarness = {
      db,
      databaseUrl: url,
      emails: smtp.emails,
      requests: http.requests,
      sink: http.sink,
      startWorker(overrides = {}) {
        const registry = new Registry();
        const worker = createDeliveryWorker({
          db,
          providers: providers.byChannel,
          rateCap: createUserRateCap({ redis: testRedis.redis, prefix: testRedis.prefix, limit: overrides.rateLimit ?? 100, windowMs: 60_000 }),
          logger: createSilentLogger(),
          registry,
          batchSize: 10,
          maxAttempts: 3,
          backoff: { baseMs: 20, maxMs: 100 },
          pollIntervalMs: 20,
          sendTimeoutMs: 2_000,
          // Effectively off unless a test is about the breaker: other tests count every attempt.
          breaker: { failures: 1_000, halfOpenAfterMs: 50 },
          ...overrides,
        });
        const controller = new AbortController();
        const running = worker.run(controller.signal);
        return {
          worker,
          registry,
          stop: async () => {
            controller.abort();
            await running;
          },
        };
      },
      async deliverUntil(id, status, overrides) {
        const worker = harness.startWorker(overrides);
        try {
          await waitForStatus(db, id, status);
        } finally {
          await worker.stop();
        }
      },
    };
    return harness;
  };
}

/** A notification row as the consumer writes it; `event_id` unique per row. */
export async function insertNotification(
  db: Kysely<NotificationDatabase>,
  row: { channel: ChannelName; category?: CategoryName; userId?: string; destination?: string | null; subject?: string; body?: string },
): Promise<string> {
  const values: Insertable<NotificationsTable> = {
    user_id: row.userId ?? `user-${randomUUID()}`,
    category: row.category ?? "TRANSACTIONS",
    channel: row.channel,
    event_id: randomUUID(),
    event_type: "wallet.events.v1.TransferPosted",
    template: "transfer-received",
    locale: "en",
    destination: row.destination === undefined ? defaultDestination(row.channel) : row.destination,
    subject: row.subject ?? "You received money",
    body: row.body ?? "You received 10.00 EUR.",
    status: "QUEUED",
  };
  const inserted = await db.insertInto("notifications").values(values).returning("id").executeTakeFirstOrThrow();
  return inserted.id;
}

function defaultDestination(channel: ChannelName): string | null {
  if (channel === "EMAIL") return "alice@example.test";
  if (channel === "SMS") return "+15550001111";
  return null;
}

/** The notification's row. */
export function readNotification(db: Kysely<NotificationDatabase>, id: string) {
  return db.selectFrom("notifications").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

/** Polls `check` until it returns true; fails after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await delay(20);
  }
}

/** Waits until the notification has the status. */
export function waitForStatus(db: Kysely<NotificationDatabase>, id: string, status: NotificationStatusName, timeoutMs?: number): Promise<void> {
  return waitUntil(async () => (await readNotification(db, id)).status === status, `notification ${id} is ${status}`, timeoutMs);
}
