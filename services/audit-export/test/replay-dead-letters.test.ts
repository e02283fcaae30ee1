import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { useTestRedis } from "#platform/testing/index.js";
import { createExportScene, type ExportScene } from "./support/exporter-scene.js";
import { takenPositions } from "./support/test-siem-sink.js";

const redis = useTestRedis();
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const run = promisify(execFile);

/** `npm run audit-export:replay-dead-letters -- <args>` against the scene; answers its exit code and output. */
async function replay(scene: ExportScene, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("npm", ["run", "--silent", "audit-export:replay-dead-letters", "--", ...args], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "test",
        AUDIT_EXPORT_DATABASE_URL: scene.database.url,
        AUDIT_EXPORT_WEBHOOK_URL: scene.sink.url,
        AUDIT_EXPORT_SIGNING_SECRET: scene.signingSecret,
        AUDIT_EXPORT_REQUEST_TIMEOUT: "2s",
      },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A scene whose batch at positions 3-4 was refused for good and dead-lettered. */
async function sceneWithDeadLetter(t: { after: (fn: () => Promise<void>) => void }): Promise<ExportScene> {
  const scene = await createExportScene(await redis());
  t.after(() => scene.close());
  await scene.backoffice.append(6);
  await scene.sink.behave((envelope) => (envelope.first_position === 3 ? { kind: "answer", status: 422 } : { kind: "accept" }));
  const exporter = scene.startExporter({ batchSize: 2 });
  await scene.sink.waitFor((s) => takenPositions(s).includes(6), "the batches after the refused one");
  await exporter.stop();
  return scene;
}

test("replay delivers a dead-lettered batch once, under its webhook-id, re-signed, and prints what it did", async (t) => {
  const scene = await sceneWithDeadLetter(t);
  const refused = scene.sink.received.find((r) => r.envelope.first_position === 3)!;
  await scene.sink.behave({ kind: "accept" });
  await new Promise((resolve) => setTimeout(resolve, 1_100)); // so the replay's timestamp is a later second

  const first = await replay(scene, ["--limit", "200"]);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(JSON.parse(first.stdout), { replayed: 1, failed: 0, remaining: 0 });
  const replayed = scene.sink.received.at(-1)!;
  assert.equal(replayed.webhookId, refused.webhookId);
  assert.equal(replayed.rawBody, refused.rawBody);
  assert.ok(replayed.timestamp > refused.timestamp, "signed afresh");
  assert.notEqual(replayed.signatures, refused.signatures);
  assert.deepEqual(scene.sink.invalid, []);

  const again = await replay(scene, ["--limit", "200"]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout), { replayed: 0, failed: 0, remaining: 0 });
  assert.equal(scene.sink.received.filter((r) => r.webhookId === refused.webhookId).length, 2, "the refusal and the one replay");
  const letter = await scene.db.selectFrom("export_dead_letters").selectAll().executeTakeFirstOrThrow();
  assert.notEqual(letter.replayed_at, null);
  assert.equal(letter.replay_attempts, 1);
});

test("a replay the receiver refuses again leaves the dead letter, counts the failure and exits 1", async (t) => {
  const scene = await sceneWithDeadLetter(t);
  await scene.sink.behave({ kind: "answer", status: 503, body: "maintenance" });
  const failed = await replay(scene, ["--limit", "200"]);
  assert.equal(failed.code, 1);
  assert.deepEqual(JSON.parse(failed.stdout), { replayed: 0, failed: 1, remaining: 1 });
  const letter = await scene.db.selectFrom("export_dead_letters").selectAll().executeTakeFirstOrThrow();
  assert.deepEqual([letter.replayed_at, letter.replay_failures, letter.last_status, letter.last_error], [null, 1, 503, "webhook answered 503: maintenance"]);
});

test("bad arguments and a malformed secret stop the replay with exit code 2, naming what is wrong", async (t) => {
  const scene = await createExportScene(await redis());
  t.after(() => scene.close());
  const badLimit = await replay(scene, ["--limit", "0"]);
  assert.equal(badLimit.code, 2);
  assert.match(badLimit.stderr, /--limit must be an integer from 1 to 1000/);
  const badSecret = await replay({ ...scene, signingSecret: "whsec_nope" }, ["--limit", "5"]);
  assert.equal(badSecret.code, 2);
  assert.match(badSecret.stderr, /AUDIT_EXPORT_SIGNING_SECRET must be/);
  assert.ok(!badSecret.stderr.includes("whsec_nope"));
});
