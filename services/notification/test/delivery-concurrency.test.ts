/** Two workers claiming from the same table deliver each notification exactly once. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { insertNotification, useDelivery, waitUntil } from "./support/delivery-harness.js";

const delivery = useDelivery();

test("two workers running at once deliver each of 50 notifications exactly once", async () => {
  const { db, emails, requests, startWorker } = await delivery();
  const ids: string[] = [];
  for (let i = 0; i < 50; i++) {
    ids.push(i % 2 === 0
      ? await insertNotification(db, { channel: "EMAIL", destination: `parallel-${i}@example.test` })
      : await insertNotification(db, { channel: "SMS", destination: `+1555${String(i).padStart(7, "0")}` }));
  }
  const workers = [startWorker({ batchSize: 4 }), startWorker({ batchSize: 4 })];
  try {
    await waitUntil(async () => {
      const sent = await db.selectFrom("notifications").select((eb) => eb.fn.countAll<string>().as("n")).where("id", "in", ids).where("status", "=", "SENT").executeTakeFirstOrThrow();
      return Number(sent.n) === 50;
    }, "all 50 are sent", 20_000);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }

  const emailsPerRecipient = new Map<string, number>();
  for (const email of emails) for (const to of email.to) emailsPerRecipient.set(to, (emailsPerRecipient.get(to) ?? 0) + 1);
  for (let i = 0; i < 50; i += 2) assert.equal(emailsPerRecipient.get(`parallel-${i}@example.test`), 1);
  const smsIds = ids.filter((_, i) => i % 2 === 1);
  for (const id of smsIds) assert.equal(requests.filter((r) => r.headers["idempotency-key"] === id).length, 1);
  const rows = await db.selectFrom("notifications").select("attempts").where("id", "in", ids).execute();
  assert.ok(rows.every((row) => row.attempts === 1));
  for (const worker of workers) {
    const sent = (await worker.registry.getSingleMetric("notification_deliveries_total")!.get()).values.reduce((n, v) => n + v.value, 0);
    assert.ok(sent > 0, "both workers took part");
  }
});
