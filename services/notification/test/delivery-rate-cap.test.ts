/**
 * The per-user send cap in Redis: over the cap a notification waits without
 * spending an attempt; SECURITY notifications are exempt.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { insertNotification, readNotification, useDelivery, waitUntil } from "./support/delivery-harness.js";

const delivery = useDelivery();

test("over the per-user cap a TRANSACTIONS message is postponed without counting an attempt, while a SECURITY message still goes", async () => {
  const { db, startWorker } = await delivery();
  const userId = `user-${randomUUID()}`;
  const transactions: string[] = [];
  for (let i = 0; i < 4; i++) transactions.push(await insertNotification(db, { channel: "EMAIL", userId, destination: `capped${i}@example.test` }));
  const worker = startWorker({ rateLimit: 3 });
  let security: string;
  try {
    await waitUntil(async () => {
      const rows = await Promise.all(transactions.map((id) => readNotification(db, id)));
      return rows.filter((row) => row.status === "SENT").length === 3;
    }, "three of the user's messages are sent");
    security = await insertNotification(db, { channel: "EMAIL", userId, category: "SECURITY", destination: "capped-security@example.test" });
    await waitUntil(async () => (await readNotification(db, security)).status === "SENT", "the SECURITY message is sent");
  } finally {
    await worker.stop();
  }

  const rows = await Promise.all(transactions.map((id) => readNotification(db, id)));
  const postponed = rows.filter((row) => row.status !== "SENT");
  assert.equal(postponed.length, 1);
  assert.equal(postponed[0]!.status, "QUEUED");
  assert.equal(postponed[0]!.attempts, 0);
  assert.ok(postponed[0]!.next_attempt_at.getTime() > Date.now() + 30_000, "it waits for the window to end");
  const metric = await worker.registry.getSingleMetric("notification_deliveries_total")!.get();
  const rateLimited = metric.values.find((v) => v.labels.outcome === "rate_limited");
  assert.ok(rateLimited && rateLimited.value >= 1);
});
