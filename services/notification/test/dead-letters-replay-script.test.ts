/** `npm run notification:replay` (scripts/notification/replay.ts) spawned against a test database. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { useTestDatabase } from "#platform/testing/index.js";
import type { NotificationDatabase } from "../src/storage/notification.table.js";
import { insertNotification, readNotification } from "./support/delivery-harness.js";

const database = useTestDatabase<NotificationDatabase>({ migrationsFolder: "services/notification/migrations" });

/** Runs the script; answers its exit code and output. */
async function replay(args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/notification/replay.ts", ...args], {
      env: { ...process.env, NODE_ENV: "development", NOTIFICATION_DATABASE_URL: databaseUrl },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test("the replay script re-queues dead letters, prints {replayed, remaining} as JSON and exits 0", async () => {
  const { db, url } = await database();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const id = await insertNotification(db, { channel: "SMS" });
    await db.updateTable("notifications").set({ status: "DEAD_LETTERED", attempts: 8, dead_lettered_at: new Date() }).where("id", "=", id).execute();
    ids.push(id);
  }

  const result = await replay(["--", "--limit", "2"], url);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { replayed: 2, remaining: 1 });
  const statuses = await Promise.all(ids.map(async (id) => (await readNotification(db, id)).status));
  assert.equal(statuses.filter((s) => s === "QUEUED").length, 2);
});

test("the replay script exits 2 naming --limit when it is not a positive integer", async () => {
  const { url } = await database();
  const result = await replay(["--limit", "lots"], url);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--limit must be an integer/);
});
