/**
 * Retries and dead letters: a gateway that is down is retried until it
 * comes back; one that always fails ends in the dead letters, listed and
 * replayed through the RPCs once it is fixed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { toJson } from "@bufbuild/protobuf";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { Channel, DeadLetterSchema, NotificationStatus } from "#gen/wallet/notification/v1/notification_pb.js";
import { NotificationService } from "#gen/wallet/notification/v1/notification_service_pb.js";
import { asVerifiedCaller } from "#platform/internal-auth/testing/index.js";
import { createSilentLogger } from "#platform/logging/index.js";
import { createDeadLetterHandlers } from "../src/transport/dead-letter-handlers.js";
import { insertNotification, readNotification, useDelivery, waitForStatus, waitUntil } from "./support/delivery-harness.js";

const delivery = useDelivery();

test("a gateway that is down is retried until it comes back, and the message arrives exactly once", async () => {
  const { db, requests, sink, startWorker } = await delivery();
  sink.mode = "down";
  const id = await insertNotification(db, { channel: "SMS" });
  const calls = () => requests.filter((r) => r.headers["idempotency-key"] === id);
  const worker = startWorker({ maxAttempts: 50 });
  try {
    await waitUntil(() => calls().length >= 3, "three attempts failed");
    assert.equal((await readNotification(db, id)).status, "FAILED");
    sink.mode = "up";
    await waitForStatus(db, id, "SENT");
  } finally {
    await worker.stop();
  }

  assert.equal(calls().filter((r) => r.status === 200).length, 1);
  const row = await readNotification(db, id);
  assert.equal(row.attempts, calls().length);
  assert.equal(row.last_error, null);
});

test("a gateway that always fails dead-letters after max attempts; once fixed, a replay delivers it once and a second replay does nothing", async () => {
  const { db, requests, sink, startWorker } = await delivery();
  const client = createClient(
    NotificationService,
    createRouterTransport((router) => router.service(NotificationService, createDeadLetterHandlers({ db, logger: createSilentLogger(), clock: () => new Date() })), {
      router: { interceptors: [asVerifiedCaller("backoffice")] },
    }),
  );
  sink.mode = "failing";
  const id = await insertNotification(db, { channel: "SMS", subject: "Refund issued", body: "secret body 0000" });
  const delivered = () => requests.filter((r) => r.headers["idempotency-key"] === id && r.status === 200);
  const worker = startWorker({ maxAttempts: 3 });
  try {
    await waitForStatus(db, id, "DEAD_LETTERED");
    assert.equal((await readNotification(db, id)).attempts, 3);

    const listed = await client.listDeadLetters({ channel: Channel.SMS });
    const letter = listed.deadLetters.find((l) => l.notification?.id === id);
    assert.ok(letter, "the dead letter is listed");
    assert.equal(letter.notification?.status, NotificationStatus.DEAD_LETTERED);
    assert.equal(letter.notification?.subject, "Refund issued");
    assert.equal(letter.provider, "sms-http");
    assert.match(letter.lastError, /^ProviderError 500/);
    assert.ok(letter.deadLetteredAt);
    assert.doesNotMatch(JSON.stringify(toJson(DeadLetterSchema, letter)), /secret body/, "the body is never listed");

    sink.mode = "up";
    const replay = await client.replayDeadLetters({ notificationIds: [id] });
    assert.equal(replay.replayed, 1);
    await waitForStatus(db, id, "SENT");
    assert.equal(delivered().length, 1);

    const again = await client.replayDeadLetters({ notificationIds: [id] });
    assert.equal(again.replayed, 0);
    assert.equal(again.remaining, 0n);
  } finally {
    await worker.stop();
  }
  assert.equal(delivered().length, 1);
  assert.equal((await readNotification(db, id)).attempts, 1, "the replay gave it a fresh attempt budget");
});
