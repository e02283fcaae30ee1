/**
 * SMS and push delivery through a real HTTP gateway sink (node:http on port
 * 0): signed requests with the bearer key and idempotency key, and how the
 * worker reads the gateway's answers.
 */
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { test } from "node:test";
import {
  insertNotification,
  PUSH_API_KEY,
  PUSH_SIGNING_SECRET,
  readNotification,
  SMS_API_KEY,
  SMS_SIGNING_SECRET,
  useDelivery,
  type ReceivedRequest,
} from "./support/delivery-harness.js";

const delivery = useDelivery();

/** Recomputes the request's signature as a gateway would. */
function assertSigned(request: ReceivedRequest, secret: string): void {
  const timestamp = String(request.headers["x-wallet-timestamp"]);
  assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 60, "the timestamp is the current time");
  const expected = createHmac("sha256", secret).update(`${timestamp}.${request.rawBody}`).digest("hex");
  assert.equal(request.headers["x-wallet-signature"], `v1=${expected}`);
}

const requestFor = (requests: ReceivedRequest[], id: string) => requests.filter((r) => r.headers["idempotency-key"] === id);

test("an SMS reaches the gateway signed, with the bearer key and the notification id as idempotency key", async () => {
  const { db, requests, sink, deliverUntil } = await delivery();
  sink.mode = "up";
  const id = await insertNotification(db, { channel: "SMS", destination: "+15557654321", body: "Your code is 4455" });
  await deliverUntil(id, "SENT");

  const [request, ...others] = requestFor(requests, id);
  assert.equal(others.length, 0);
  assert.equal(request!.path, "/sms");
  assert.equal(request!.headers.authorization, `Bearer ${SMS_API_KEY}`);
  assertSigned(request!, SMS_SIGNING_SECRET);
  assert.deepEqual(JSON.parse(request!.rawBody), { to: "+15557654321", text: "Your code is 4455" });
  const row = await readNotification(db, id);
  assert.equal(row.provider, "sms-http");
  assert.match(row.provider_message_id ?? "", /^gw-\d+$/);
});

test("a push reaches the gateway signed, addressed to the user's push tokens at send time", async () => {
  const { db, requests, sink, deliverUntil } = await delivery();
  sink.mode = "up";
  const userId = `user-${randomUUID()}`;
  await db
    .insertInto("push_tokens")
    .values([
      { device_id: `a-${userId}`, user_id: userId, push_token: "token-phone" },
      { device_id: `b-${userId}`, user_id: userId, push_token: "token-tablet" },
    ])
    .execute();
  const id = await insertNotification(db, { channel: "PUSH", userId, subject: "Money in", body: "You received 5.00 EUR" });
  await deliverUntil(id, "SENT");

  const [request, ...others] = requestFor(requests, id);
  assert.equal(others.length, 0);
  assert.equal(request!.path, "/push");
  assert.equal(request!.headers.authorization, `Bearer ${PUSH_API_KEY}`);
  assertSigned(request!, PUSH_SIGNING_SECRET);
  assert.deepEqual(JSON.parse(request!.rawBody), { tokens: ["token-phone", "token-tablet"], title: "Money in", body: "You received 5.00 EUR" });
  assert.equal((await readNotification(db, id)).provider, "push-http");
});

test("a gateway answering 400 dead-letters the notification at once, without retries", async () => {
  const { db, requests, sink, deliverUntil } = await delivery();
  sink.mode = "rejecting";
  const id = await insertNotification(db, { channel: "SMS" });
  await deliverUntil(id, "DEAD_LETTERED", { maxAttempts: 5 });
  sink.mode = "up";

  assert.equal(requestFor(requests, id).length, 1);
  const row = await readNotification(db, id);
  assert.equal(row.attempts, 1);
  assert.ok(row.dead_lettered_at);
  assert.match(row.last_error ?? "", /^ProviderError 400: gateway refused the request/);
  assert.doesNotMatch(row.last_error ?? "", /5551234567/, "the phone number in the gateway's answer is scrubbed");
});

test("a push to a user without devices is dead-lettered at once as 'no push tokens'", async () => {
  const { db, requests, deliverUntil } = await delivery();
  const id = await insertNotification(db, { channel: "PUSH" });
  await deliverUntil(id, "DEAD_LETTERED", { maxAttempts: 5 });

  assert.equal(requestFor(requests, id).length, 0);
  const row = await readNotification(db, id);
  assert.equal(row.attempts, 1);
  assert.equal(row.last_error, "ProviderError: no push tokens");
});
