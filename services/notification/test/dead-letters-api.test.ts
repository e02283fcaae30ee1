/**
 * ListDeadLetters and ReplayDeadLetters through the Connect router in
 * memory, against the real notification database.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";
import { Code, ConnectError, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import type { Kysely } from "kysely";
import { Registry } from "prom-client";
import { Channel } from "#gen/wallet/notification/v1/notification_pb.js";
import { NotificationService } from "#gen/wallet/notification/v1/notification_service_pb.js";
import { asVerifiedCaller } from "#platform/internal-auth/testing/index.js";
import { createSilentLogger } from "#platform/logging/index.js";
import { useTestDatabase } from "#platform/testing/index.js";
import type { ChannelName, NotificationDatabase } from "../src/storage/notification.table.js";
import { createDeadLetterHandlers } from "../src/transport/dead-letter-handlers.js";
import { insertNotification, readNotification } from "./support/delivery-harness.js";

const database = useTestDatabase<NotificationDatabase>({ migrationsFolder: "services/notification/migrations" });
let db: Kysely<NotificationDatabase>;
let client: Client<typeof NotificationService>;
const registry = new Registry();

before(async () => {
  db = (await database()).db;
  const handlers = createDeadLetterHandlers({ db, logger: createSilentLogger(), clock: () => new Date(), metricsRegistry: registry });
  client = createClient(NotificationService, createRouterTransport((router) => router.service(NotificationService, handlers), { router: { interceptors: [asVerifiedCaller("backoffice")] } }));
});

/** A notification dead-lettered `minutesAgo` minutes ago. */
async function deadLetter(channel: ChannelName, minutesAgo: number): Promise<string> {
  const id = await insertNotification(db, { channel, category: "MARKETING", body: "body never listed" });
  await db
    .updateTable("notifications")
    .set({ status: "DEAD_LETTERED", attempts: 8, provider: "smtp", last_error: "Error ECONNREFUSED: connect refused", dead_lettered_at: new Date(Date.now() - minutesAgo * 60_000) })
    .where("id", "=", id)
    .execute();
  return id;
}

async function expectInvalidArgument(call: Promise<unknown>, field: RegExp): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    const error = ConnectError.from(err);
    assert.equal(error.code, Code.InvalidArgument);
    assert.match(error.rawMessage, field);
    return true;
  });
}

test("ListDeadLetters pages a channel's dead letters oldest first", async () => {
  const older = await deadLetter("PUSH", 30);
  const newer = await deadLetter("PUSH", 10);
  const middle = await deadLetter("PUSH", 20);
  await deadLetter("EMAIL", 40);

  const first = await client.listDeadLetters({ channel: Channel.PUSH, page: { pageSize: 2 } });
  assert.deepEqual(first.deadLetters.map((l) => l.notification?.id), [older, middle]);
  assert.notEqual(first.page?.nextPageToken, "");
  const second = await client.listDeadLetters({ channel: Channel.PUSH, page: { pageSize: 2, pageToken: first.page!.nextPageToken } });
  assert.deepEqual(second.deadLetters.map((l) => l.notification?.id), [newer]);
  assert.equal(second.page?.nextPageToken, "");
  assert.equal(first.deadLetters[0]!.lastError, "Error ECONNREFUSED: connect refused");
});

test("ListDeadLetters refuses a page token it did not return", async () => {
  await expectInvalidArgument(client.listDeadLetters({ page: { pageToken: "not-a-token" } }), /^page\.page_token/);
});

test("ReplayDeadLetters refuses a negative limit, naming limit", async () => {
  await expectInvalidArgument(client.replayDeadLetters({ limit: -1 }), /^limit:/);
});

test("ReplayDeadLetters refuses an id that is not a UUID, naming notification_ids", async () => {
  await expectInvalidArgument(client.replayDeadLetters({ notificationIds: ["42"] }), /^notification_ids\[0\]/);
});

test("ReplayDeadLetters re-queues the oldest of a channel up to the limit with a fresh attempt budget, keeping last_error", async () => {
  const oldest = await deadLetter("SMS", 300);
  const next = await deadLetter("SMS", 200);
  const before = (await client.listDeadLetters({})).deadLetters.length;

  const result = await client.replayDeadLetters({ channel: Channel.SMS, limit: 1 });
  assert.equal(result.replayed, 1);
  assert.equal(result.remaining, BigInt(before - 1));
  const row = await readNotification(db, oldest);
  assert.equal(row.status, "QUEUED");
  assert.equal(row.attempts, 0);
  assert.equal(row.dead_lettered_at, null);
  assert.equal(row.last_error, "Error ECONNREFUSED: connect refused");
  assert.ok(row.next_attempt_at.getTime() <= Date.now() + 1_000);
  assert.equal((await readNotification(db, next)).status, "DEAD_LETTERED");
  const counted = (await registry.getSingleMetric("notification_dead_letters_replayed_total")!.get()).values;
  assert.deepEqual(counted.map((v) => [v.labels.channel, v.value]), [["SMS", 1]]);
});

test("replaying a notification that was already sent changes nothing", async () => {
  const id = await insertNotification(db, { channel: "EMAIL" });
  await db.updateTable("notifications").set({ status: "SENT", attempts: 1, sent_at: new Date() }).where("id", "=", id).execute();

  const result = await client.replayDeadLetters({ notificationIds: [id, randomUUID()] });
  assert.equal(result.replayed, 0);
  const row = await readNotification(db, id);
  assert.equal(row.status, "SENT");
  assert.equal(row.attempts, 1);
});
