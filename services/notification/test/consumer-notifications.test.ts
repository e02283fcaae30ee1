/**
 * Events becoming notifications on the notification consumer (real
 * PostgreSQL and RabbitMQ): one row per channel the user can be reached on
 * and has enabled, nothing twice on redelivery, preferences honoured except
 * for security messages, both sides of a transfer told, a staff balance
 * adjustment told to the wallet's owner, amounts rendered from minor units.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { LoginFromNewDeviceSchema, PasswordChangedSchema } from "#gen/wallet/events/v1/identity_events_pb.js";
import { AdjustmentPostedSchema, RefundPostedSchema, TransferPostedSchema } from "#gen/wallet/events/v1/ledger_events_pb.js";
import { AdjustmentReason, EntryDirection } from "#gen/wallet/ledger/v1/transaction_pb.js";
import { RiskAlertRaisedSchema } from "#gen/wallet/events/v1/risk_events_pb.js";
import { Category, Channel } from "#gen/wallet/notification/v1/notification_pb.js";
import { useTestAmqp } from "#platform/testing/index.js";
import { encodeEvent, everyChannel, money, rowsOf, seedRecipient, startNotificationConsumer, useNotification } from "./support/notification-harness.js";

const notification = useNotification();
const amqp = useTestAmqp();

const loginFromNewDevice = (userId: string) =>
  encodeEvent("identity", { case: "loginFromNewDevice", value: create(LoginFromNewDeviceSchema, { userId, deviceId: "d-1", deviceName: "Pixel 8", ipAddress: "198.51.100.7" }) });

const transferPosted = (fromUserId: string, toUserId: string, amountMinor: bigint, currency = "EUR") =>
  encodeEvent("ledger", { case: "transferPosted", value: create(TransferPostedSchema, { transactionId: randomUUID(), fromUserId, toUserId, amount: money(amountMinor, currency) }) });

describe("one notification per enabled channel", () => {
  test("a LoginFromNewDevice delivered twice makes one EMAIL, one SMS and one PUSH notification", async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "login-twice");
    const userId = await seedRecipient(h, everyChannel);
    const event = loginFromNewDevice(userId);
    await consumer.publish(event, event);
    await consumer.waitForSettled(2);

    const rows = await rowsOf(h, userId);
    assert.deepEqual(
      rows.map((r) => [r.channel, r.category, r.status, r.event_id, r.template, r.event_type]),
      ["EMAIL", "PUSH", "SMS"].map((channel) => [channel, "SECURITY", "QUEUED", event.eventId, "login_new_device", "wallet.events.v1.LoginFromNewDevice"]),
    );
    assert.deepEqual(
      rows.map((r) => r.destination),
      [`${userId}@example.test`, null, everyChannel.phoneNumber],
    );
  });

  test("a user with only an email address gets only an EMAIL notification", async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "email-only");
    const userId = await seedRecipient(h);
    await consumer.publish(loginFromNewDevice(userId));
    await consumer.waitForSettled(1);

    assert.deepEqual((await rowsOf(h, userId)).map((r) => r.channel), ["EMAIL"]);
  });
});

describe("preferences", () => {
  test("a TransferPosted to a payer with TRANSACTIONS over SMS turned off is sent by email and push only", async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "prefs-sms-off");
    const userId = await seedRecipient(h, everyChannel);
    await h.client.updatePreferences({ userId, entries: [{ category: Category.TRANSACTIONS, channel: Channel.SMS, enabled: false }] });
    await consumer.publish(transferPosted(userId, "", 1_234n));
    await consumer.waitForSettled(1);

    assert.deepEqual((await rowsOf(h, userId)).map((r) => [r.channel, r.template]), [["EMAIL", "transfer_sent"], ["PUSH", "transfer_sent"]]);
  });

  test("a PasswordChanged reaches every channel even with every TRANSACTIONS and MARKETING entry off", async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "prefs-security");
    const userId = await seedRecipient(h, everyChannel);
    const off = [Category.TRANSACTIONS, Category.MARKETING].flatMap((category) =>
      [Channel.EMAIL, Channel.SMS, Channel.PUSH].map((channel) => ({ category, channel, enabled: false })),
    );
    await h.client.updatePreferences({ userId, entries: off });
    await consumer.publish(encodeEvent("identity", { case: "passwordChanged", value: create(PasswordChangedSchema, { userId }) }));
    await consumer.waitForSettled(1);

    assert.deepEqual((await rowsOf(h, userId)).map((r) => [r.channel, r.category]), [["EMAIL", "SECURITY"], ["PUSH", "SECURITY"], ["SMS", "SECURITY"]]);
  });
});

describe("money movements", () => {
  test("a TransferPosted tells the payer it was sent and the payee it was received, 12.34 EUR as €12.34", async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "transfer-eur");
    const payer = await seedRecipient(h);
    const payee = await seedRecipient(h);
    const event = transferPosted(payer, payee, 1_234n);
    await consumer.publish(event);
    await consumer.waitForSettled(1);

    const [sent] = await rowsOf(h, payer);
    const [received] = await rowsOf(h, payee);
    assert.deepEqual([sent!.template, sent!.event_id, sent!.category, sent!.subject], ["transfer_sent", event.eventId, "TRANSACTIONS", "You sent €12.34"]);
    assert.deepEqual([received!.template, received!.event_id, received!.subject], ["transfer_received", `${event.eventId}:received`, "You received €12.34"]);
  });

  test('a transfer of 1234 JPY renders as ¥1,234, and in German as "1.234 ¥" with a no-break space', async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "transfer-jpy");
    const payer = await seedRecipient(h);
    const payee = await seedRecipient(h, { locale: "de-DE" });
    await consumer.publish(transferPosted(payer, payee, 1_234n, "JPY"));
    await consumer.waitForSettled(1);

    assert.equal((await rowsOf(h, payer))[0]!.subject, "You sent ¥1,234");
    const [received] = await rowsOf(h, payee);
    assert.deepEqual([received!.locale, received!.subject], ["de", "Sie haben 1.234\u00a0¥ erhalten"]);
  });

  test("a transfer between a user's own wallets makes both a sent and a received notification", async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "transfer-self");
    const userId = await seedRecipient(h);
    await consumer.publish(transferPosted(userId, userId, 500n));
    await consumer.waitForSettled(1);

    assert.deepEqual((await rowsOf(h, userId)).map((r) => r.template).sort(), ["transfer_received", "transfer_sent"]);
  });

  test("a RefundPosted tells the refunded user (the credited account's owner)", async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "refund");
    const refunded = await seedRecipient(h);
    const merchant = await seedRecipient(h);
    const value = create(RefundPostedSchema, { transactionId: randomUUID(), fromUserId: merchant, toUserId: refunded, amount: money(250n) });
    await consumer.publish(encodeEvent("ledger", { case: "refundPosted", value }));
    await consumer.waitForSettled(1);

    assert.deepEqual((await rowsOf(h, refunded)).map((r) => [r.template, r.category, r.subject]), [["refund_received", "TRANSACTIONS", "You were refunded €2.50"]]);
    assert.deepEqual(await rowsOf(h, merchant), []);
  });
});

describe("balance adjustments", () => {
  const adjustmentPosted = (ownerUserId: string, direction: EntryDirection, amountMinor: bigint, balanceMinor: bigint) =>
    encodeEvent("ledger", {
      case: "adjustmentPosted",
      value: create(AdjustmentPostedSchema, {
        transactionId: randomUUID(),
        accountId: `acc-${randomUUID()}`,
        ownerUserId,
        direction,
        amount: money(amountMinor),
        reasonCode: AdjustmentReason.GOODWILL,
        reason: "internal staff note",
        balanceAfter: money(balanceMinor),
      }),
    });

  test("an AdjustmentPosted delivered twice tells the wallet's owner once per channel what was credited or debited and the balance after", async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "adjustment");
    const credited = await seedRecipient(h, everyChannel);
    const debited = await seedRecipient(h, { locale: "de-DE" });
    const credit = adjustmentPosted(credited, EntryDirection.CREDIT, 250n, 1_250n);
    await consumer.publish(credit, credit, adjustmentPosted(debited, EntryDirection.DEBIT, 300n, 700n));
    await consumer.waitForSettled(3);

    const rows = await rowsOf(h, credited);
    assert.deepEqual(
      rows.map((r) => [r.channel, r.template, r.category, r.event_id, r.event_type]),
      ["EMAIL", "PUSH", "SMS"].map((channel) => [channel, "adjustment_credited", "TRANSACTIONS", credit.eventId, "wallet.events.v1.AdjustmentPosted"]),
    );
    assert.equal(rows[0]!.subject, "Your balance was adjusted: €2.50 credited");
    assert.ok(rows[0]!.body.includes("Your balance is now €12.50."));
    assert.ok(!rows.some((r) => r.body.includes("internal staff note")));
    const [de] = await rowsOf(h, debited);
    assert.deepEqual([de!.template, de!.locale, de!.subject], ["adjustment_debited", "de", "Ihr Guthaben wurde korrigiert: 3,00\u00a0€ abgebucht"]);
  });
});

describe("risk alerts", () => {
  test("a RiskAlertRaised with a user and an amount sends a SECURITY large-transaction alert; one without an amount sends nothing", async (t) => {
    const h = await notification();
    const consumer = await startNotificationConsumer(t, h, await amqp(), "risk");
    const withAmount = await seedRecipient(h);
    const withoutAmount = await seedRecipient(h);
    const alert = (userId: string, amount?: ReturnType<typeof money>) =>
      encodeEvent("risk", { case: "riskAlertRaised", value: create(RiskAlertRaisedSchema, { alertId: randomUUID(), title: "internal title", userId, amount }) });
    await consumer.publish(alert(withAmount, money(1_500_000n)), alert(withoutAmount));
    await consumer.waitForSettled(2);

    const rows = await rowsOf(h, withAmount);
    assert.deepEqual(rows.map((r) => [r.template, r.category]), [["large_transaction_alert", "SECURITY"]]);
    assert.ok(rows[0]!.body.includes("€15,000.00"));
    assert.ok(!rows[0]!.body.includes("internal title"));
    assert.deepEqual(await rowsOf(h, withoutAmount), []);
  });
});
