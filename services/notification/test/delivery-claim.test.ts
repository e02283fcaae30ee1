/** Claiming due notifications: the batch limit, and the lease that hides claimed rows until it ends. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { useTestDatabase } from "#platform/testing/index.js";
import { claimDueNotifications } from "../src/delivery/delivery.repository.js";
import type { NotificationDatabase } from "../src/storage/notification.table.js";
import { insertNotification } from "./support/delivery-harness.js";

const database = useTestDatabase<NotificationDatabase>({ migrationsFolder: "services/notification/migrations" });

/** The database with no notifications: each test claims from its own rows only. */
async function emptyDatabase() {
  const { db } = await database();
  await db.deleteFrom("notifications").execute();
  return db;
}

test("a claim takes at most its limit of due notifications, oldest due first", async () => {
  const db = await emptyDatabase();
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await insertNotification(db, { channel: "EMAIL" }));
  for (const [i, id] of ids.entries()) {
    await db.updateTable("notifications").set({ next_attempt_at: new Date(Date.now() - (10 - i) * 60_000) }).where("id", "=", id).execute();
  }

  const claimed = await claimDueNotifications(db, { limit: 2, leaseMs: 60_000 });
  assert.deepEqual(claimed.map((row) => row.id).sort(), ids.slice(0, 2).sort());
});

test("a claimed notification is not claimed again until its lease ends, then comes back", async () => {
  const db = await emptyDatabase();
  const id = await insertNotification(db, { channel: "SMS" });

  assert.deepEqual((await claimDueNotifications(db, { limit: 10, leaseMs: 300 })).map((row) => row.id), [id]);
  assert.deepEqual(await claimDueNotifications(db, { limit: 10, leaseMs: 300 }), []);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.deepEqual((await claimDueNotifications(db, { limit: 10, leaseMs: 300 })).map((row) => row.id), [id]);
});

test("FAILED notifications whose retry time has come are claimed, SENT and DEAD_LETTERED ones never", async () => {
  const db = await emptyDatabase();
  const failed = await insertNotification(db, { channel: "EMAIL" });
  const sent = await insertNotification(db, { channel: "EMAIL" });
  const dead = await insertNotification(db, { channel: "EMAIL" });
  await db.updateTable("notifications").set({ status: "FAILED", attempts: 2 }).where("id", "=", failed).execute();
  await db.updateTable("notifications").set({ status: "SENT" }).where("id", "=", sent).execute();
  await db.updateTable("notifications").set({ status: "DEAD_LETTERED" }).where("id", "=", dead).execute();

  const claimed = await claimDueNotifications(db, { limit: 10, leaseMs: 60_000 });
  assert.deepEqual(claimed.map((row) => [row.id, row.attempts]), [[failed, 2]]);
});
