import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { create } from "@bufbuild/protobuf";
import { TransferPostedSchema } from "#gen/wallet/events/v1/ledger_events_pb.js";
import { writeOutboxEvents } from "#platform/outbox/index.js";
import { useTestDatabase } from "#platform/testing/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const run = promisify(execFile);
const database = useTestDatabase({ migrationsFolder: "services/ledger/migrations" });

const replay = (url: string, ...args: string[]) =>
  run("npm", ["run", "--silent", "ledger:replay-outbox", "--", ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, LEDGER_DATABASE_URL: url },
  });

test("npm run ledger:replay-outbox re-queues up to --limit dead rows of the ledger and says how many", async () => {
  const { db, url } = await database();
  const ids = await writeOutboxEvents(
    db,
    "ledger",
    ["a", "b", "c"].map((id) => ({
      aggregateType: "transaction",
      aggregateId: id,
      payload: { case: "transferPosted", value: create(TransferPostedSchema, { transactionId: id }) } as const,
    })),
  );
  await db.updateTable("outbox_events").set({ status: "dead", attempts: 10 }).where("event_id", "in", ids).execute();

  const { stdout } = await replay(url, "--limit", "2");
  assert.match(stdout, /re-queued 2 dead outbox events/);
  const statuses = await db.selectFrom("outbox_events").select("status").where("event_id", "in", ids).execute();
  assert.deepEqual(statuses.map((r) => r.status).sort(), ["dead", "pending", "pending"]);
});

test("npm run ledger:replay-outbox refuses a limit that is not a positive integer", async () => {
  const { url } = await database();
  await assert.rejects(replay(url, "--limit", "zero"), (err: { code?: number; stderr?: string }) => {
    assert.equal(err.code, 2);
    assert.match(err.stderr ?? "", /--limit must be a positive integer/);
    return true;
  });
});
