/**
 * What the worker logs never holds a token, an address or a phone number,
 * even at level trace and when a provider's error names the recipient.
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { pino } from "pino";
import { insertNotification, readNotification, useDelivery, waitForStatus } from "./support/delivery-harness.js";

const delivery = useDelivery();

const TOKEN = "RESET-7f3a9c2e5b1d8f4a6c0e";

test("no token, email address or phone number appears in the worker's logs, nor in last_error", async () => {
  const { db, sink, startWorker } = await delivery();
  const chunks: string[] = [];
  const stream = new PassThrough();
  stream.on("data", (chunk: Buffer) => chunks.push(chunk.toString("utf8")));
  const logger = pino({ level: "trace" }, stream);

  const sent = await insertNotification(db, {
    channel: "EMAIL",
    category: "SECURITY",
    destination: "dana.private@example.test",
    subject: "Reset your password",
    body: `Use this link: https://wallet.test/reset?token=${TOKEN} or the code ${TOKEN}`,
  });
  const refused = await insertNotification(db, { channel: "EMAIL", category: "SECURITY", destination: "reject.erin@example.test", body: `code ${TOKEN}` });
  sink.mode = "failing";
  const failing = await insertNotification(db, { channel: "SMS", category: "SECURITY", destination: "+15559876543", body: `code ${TOKEN}` });
  const worker = startWorker({ logger, maxAttempts: 2 });
  try {
    await waitForStatus(db, sent, "SENT");
    await waitForStatus(db, refused, "DEAD_LETTERED");
    await waitForStatus(db, failing, "DEAD_LETTERED");
  } finally {
    await worker.stop();
    sink.mode = "up";
  }

  const output = chunks.join("");
  assert.match(output, /notification sent/, "the logs were captured");
  assert.match(output, /notification dead-lettered/);
  for (const secret of [TOKEN, "dana.private", "reject.erin", "example.test", "5559876543"]) {
    assert.ok(!output.includes(secret), `logs must not contain ${secret}`);
  }
  const refusedRow = await readNotification(db, refused);
  assert.equal(refusedRow.last_error, "ProviderError 550: SMTP server refused the message");
  assert.equal(refusedRow.attempts, 1, "an SMTP 5xx is permanent");
  for (const id of [refused, failing]) assert.ok(!(await readNotification(db, id)).last_error?.includes(TOKEN));
});
