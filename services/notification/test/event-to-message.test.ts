/**
 * The whole path inside the notification service, on real parts: an event
 * published to RabbitMQ twice, the consumer queueing it, the delivery worker
 * sending it to an SMTP server (smtp-server) and an HTTP gateway sink. What
 * counts is what the providers received.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { LoginFromNewDeviceSchema } from "#gen/wallet/events/v1/identity_events_pb.js";
import { useTestAmqp } from "#platform/testing/index.js";
import { useDelivery, waitUntil } from "./support/delivery-harness.js";
import { encodeEvent, everyChannel, seedRecipient, startNotificationConsumer } from "./support/notification-harness.js";

const delivery = useDelivery();
const amqp = useTestAmqp();

test("an event delivered twice reaches each enabled channel's provider exactly once", async (t) => {
  const d = await delivery();
  const consumer = await startNotificationConsumer(t, d, await amqp(), "event-to-message");
  const userId = await seedRecipient({ db: d.db, clock: () => new Date() }, everyChannel);
  const event = encodeEvent("identity", {
    case: "loginFromNewDevice",
    value: create(LoginFromNewDeviceSchema, { userId, deviceId: "d-1", deviceName: "Pixel 8", ipAddress: "198.51.100.7" }),
  });
  const worker = d.startWorker();
  t.after(() => worker.stop());

  await consumer.publish(event, event);
  await consumer.waitForSettled(2);
  const emailsTo = () => d.emails.filter((e) => e.to.includes(`${userId}@example.test`));
  const accepted = (path: string) => d.requests.filter((r) => r.path === path && r.status === 200);
  await waitUntil(() => emailsTo().length > 0 && accepted("/sms").length > 0 && accepted("/push").length > 0, "one message on every channel");
  // Long enough for a second copy to have been sent, were there one.
  await new Promise((resolve) => setTimeout(resolve, 300));

  assert.equal(emailsTo().length, 1);
  assert.equal(accepted("/sms").length, 1);
  assert.equal(accepted("/push").length, 1);
  assert.match(emailsTo()[0]!.raw, /Pixel 8/);
});
