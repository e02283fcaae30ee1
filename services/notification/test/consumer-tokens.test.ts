/**
 * The secret tokens of EmailVerificationRequested and RecoveryRequested on
 * the notification consumer (real PostgreSQL and RabbitMQ): they go by
 * email only, to the address in the event, in the body only, and never
 * into the logs.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { EmailVerificationRequestedSchema, RecoveryRequestedSchema } from "#gen/wallet/events/v1/identity_events_pb.js";
import { createLogger } from "#platform/logging/index.js";
import { useTestAmqp } from "#platform/testing/index.js";
import { encodeEvent, everyChannel, rowsOf, seedRecipient, startNotificationConsumer, useNotification } from "./support/notification-harness.js";

const notification = useNotification();
const amqp = useTestAmqp();

const inOneHour = () => timestampFromDate(new Date(Date.now() + 3_600_000));

const verificationRequested = (userId: string, email: string, token: string) =>
  encodeEvent("identity", { case: "emailVerificationRequested", value: create(EmailVerificationRequestedSchema, { userId, email, token, expiresAt: inOneHour(), locale: "en" }) });

describe("token-carrying events", () => {
  test("an EmailVerificationRequested makes one EMAIL notification to the event's address with the token in the body only", async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "verification");
    const userId = await seedRecipient(h, everyChannel);
    const token = `verify-${randomUUID()}`;
    await consumer.publish(verificationRequested(userId, "new-address@example.test", token));
    await consumer.waitForSettled(1);

    const rows = await rowsOf(h, userId);
    assert.deepEqual(rows.map((r) => [r.channel, r.category, r.destination, r.template]), [["EMAIL", "SECURITY", "new-address@example.test", "email_verification"]]);
    assert.ok(rows[0]!.body.includes(token));
    assert.ok(!rows[0]!.subject.includes(token));
  });

  test("a RecoveryRequested for a user not registered here yet is still sent by email, in the event's locale", async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "recovery");
    const userId = `user-${randomUUID()}`;
    const token = `recover-${randomUUID()}`;
    const value = create(RecoveryRequestedSchema, { userId, email: "someone@example.test", token, expiresAt: inOneHour(), locale: "de-AT", ipAddress: "203.0.113.9" });
    await consumer.publish(encodeEvent("identity", { case: "recoveryRequested", value }));
    await consumer.waitForSettled(1);

    const rows = await rowsOf(h, userId);
    assert.deepEqual(rows.map((r) => [r.channel, r.locale, r.template, r.subject]), [["EMAIL", "de", "account_recovery", "Konto wiederherstellen"]]);
    assert.ok(rows[0]!.body.includes(token) && rows[0]!.body.includes("203.0.113.9"));
  });

  test("a verification token appears nowhere in the consumer's logs, even at trace level", async (t) => {
    const h = await notification();
    const lines: string[] = [];
    const memory = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString("utf8"));
        done();
      },
    });
    const logger = createLogger({ service: "notification-consumer", level: "trace", destination: memory });
    const consumer = await startNotificationConsumer(t, h, await amqp(), "token-logs", { logger });
    const userId = await seedRecipient(h, everyChannel);
    const token = `secret-${randomUUID()}`;
    await consumer.publish(verificationRequested(userId, "logged@example.test", token));
    await consumer.waitForSettled(1);

    assert.equal((await rowsOf(h, userId)).length, 1);
    assert.ok(lines.length > 0, "the consumer logged something");
    const logged = lines.join("");
    assert.ok(!logged.includes(token), "the token was logged");
    assert.ok(!logged.includes("logged@example.test"), "the address was logged");
  });
});
