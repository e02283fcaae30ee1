/**
 * Identity's events keeping the recipient record on the notification
 * consumer (real PostgreSQL and RabbitMQ), and events for users not
 * registered here yet: retried until UserRegistered arrives, dead-lettered
 * when it never does.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import {
  DeviceRegisteredSchema,
  DeviceRevokedSchema,
  EmailVerifiedSchema,
  PasswordChangedSchema,
  UserRegisteredSchema,
} from "#gen/wallet/events/v1/identity_events_pb.js";
import { useTestAmqp } from "#platform/testing/index.js";
import { NOTIFICATION_CONSUMER_NAME } from "../src/event-handler.js";
import { encodeEvent, eventually, newUserId, rowsOf, startNotificationConsumer, useNotification, type NotificationHarness } from "./support/notification-harness.js";

const notification = useNotification();
const amqp = useTestAmqp();

const userRegistered = (userId: string, phoneNumber = "") =>
  encodeEvent("identity", { case: "userRegistered", value: create(UserRegisteredSchema, { userId, email: `${userId}@example.test`, phoneNumber, locale: "de-DE" }) });
const deviceRegistered = (userId: string, deviceId: string, pushToken: string) =>
  encodeEvent("identity", { case: "deviceRegistered", value: create(DeviceRegisteredSchema, { userId, deviceId, name: "Pixel 8", pushToken }) });
const passwordChanged = (userId: string) => encodeEvent("identity", { case: "passwordChanged", value: create(PasswordChangedSchema, { userId }) });

const recipientOf = (h: NotificationHarness, userId: string) =>
  h.db.selectFrom("recipients").select(["email", "email_verified", "phone_number", "locale"]).where("user_id", "=", userId).executeTakeFirst();
const pushTokensOf = (h: NotificationHarness, userId: string) =>
  h.db.selectFrom("push_tokens").select(["device_id", "push_token"]).where("user_id", "=", userId).orderBy("device_id").execute();

describe("the recipient record", () => {
  test("a UserRegistered then an EmailVerified store the addresses and locale and mark the email verified", async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "registered");
    const userId = newUserId();
    await consumer.publish(userRegistered(userId, "+4915100000001"));
    await consumer.waitForSettled(1);
    const verified = create(EmailVerifiedSchema, { userId, email: `${userId}@example.test` });
    await consumer.publish(encodeEvent("identity", { case: "emailVerified", value: verified }));
    await consumer.waitForSettled(2);

    assert.deepEqual(await recipientOf(h, userId), { email: `${userId}@example.test`, email_verified: true, phone_number: "+4915100000001", locale: "de-DE" });
  });

  test("a DeviceRegistered stores its push token, one without a token and a DeviceRevoked remove theirs", async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "devices");
    const userId = newUserId();
    await consumer.publish(deviceRegistered(userId, "d-1", "token-1"), deviceRegistered(userId, "d-2", "token-2"), deviceRegistered(userId, "d-3", "token-3"));
    await consumer.waitForSettled(3);
    assert.deepEqual((await pushTokensOf(h, userId)).map((r) => r.device_id), ["d-1", "d-2", "d-3"]);

    const revoked = create(DeviceRevokedSchema, { userId, deviceId: "d-1" });
    await consumer.publish(deviceRegistered(userId, "d-2", ""), encodeEvent("identity", { case: "deviceRevoked", value: revoked }));
    await consumer.waitForSettled(5);

    assert.deepEqual(await pushTokensOf(h, userId), [{ device_id: "d-3", push_token: "token-3" }]);
  });
});

describe("unknown recipients", () => {
  test("a PasswordChanged for a user not registered yet is retried and queued once the UserRegistered is processed", async (t) => {
    const h = await notification();
    // Retries far enough apart for the UserRegistered to land in between.
    const consumer = await startNotificationConsumer(t, h, await amqp(), "retry", { maxAttempts: 5, retryDelayMs: 200 });
    const userId = newUserId();
    await consumer.publish(passwordChanged(userId));
    await eventually("a retry", async () => (await consumer.metric("consumer_retried_total")) >= 1);
    assert.deepEqual(await rowsOf(h, userId), []);

    await consumer.publish(userRegistered(userId));
    await consumer.waitForSettled(2);

    assert.deepEqual((await rowsOf(h, userId)).map((r) => [r.channel, r.template, r.locale]), [["EMAIL", "password_changed", "de"]]);
    assert.equal(await consumer.metric("consumer_dead_lettered_total"), 0);
  });

  test("a PasswordChanged for a user never registered is dead-lettered after the last attempt", async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "dead", { maxAttempts: 3, retryDelayMs: 10 });
    const userId = newUserId();
    const event = passwordChanged(userId);
    await consumer.publish(event);
    await eventually("the dead letter", async () => (await consumer.metric("consumer_dead_lettered_total")) === 1);

    const letters = await h.db.selectFrom("dead_letter_events").selectAll().where("consumer", "=", NOTIFICATION_CONSUMER_NAME).execute();
    assert.deepEqual(
      letters.map((l) => [l.event_id, l.attempts, l.last_error.startsWith("UnknownRecipientError")]),
      [[event.eventId, 3, true]],
    );
    assert.deepEqual(await rowsOf(h, userId), []);
  });
});

