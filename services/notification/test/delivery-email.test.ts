/**
 * Email delivery against a real SMTP server (smtp-server on port 0) and the
 * real notification database.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { insertNotification, readNotification, useDelivery } from "./support/delivery-harness.js";

const delivery = useDelivery();

test("an email reaches the SMTP server once with its recipient, subject and body, and the row is SENT", async () => {
  const { db, emails, deliverUntil } = await delivery();
  const id = await insertNotification(db, {
    channel: "EMAIL",
    destination: "bob@example.test",
    subject: "Transfer received",
    body: "Bob, you received 12.50 EUR from Alice.",
  });
  await deliverUntil(id, "SENT");

  const received = emails.filter((email) => email.to.includes("bob@example.test"));
  assert.equal(received.length, 1);
  assert.match(received[0]!.raw, /^Subject: Transfer received\r?$/m);
  assert.match(received[0]!.raw, /Bob, you received 12\.50 EUR from Alice\./);
  const row = await readNotification(db, id);
  assert.equal(row.attempts, 1);
  assert.equal(row.provider, "smtp");
  assert.ok(row.provider_message_id, "the SMTP message id is recorded");
  assert.ok(row.sent_at);
  assert.equal(row.last_error, null);
  assert.equal(row.body, "Bob, you received 12.50 EUR from Alice.", "a TRANSACTIONS body is kept");
});

test("a SECURITY email's body is cleared once it is sent", async () => {
  const { db, emails, deliverUntil } = await delivery();
  const id = await insertNotification(db, {
    channel: "EMAIL",
    category: "SECURITY",
    destination: "carol@example.test",
    subject: "Verify your email",
    body: "Your verification code is VERIFY-TOKEN-abc123",
  });
  await deliverUntil(id, "SENT");

  const received = emails.filter((email) => email.to.includes("carol@example.test"));
  assert.equal(received.length, 1);
  assert.match(received[0]!.raw, /VERIFY-TOKEN-abc123/);
  assert.equal((await readNotification(db, id)).body, "");
});
