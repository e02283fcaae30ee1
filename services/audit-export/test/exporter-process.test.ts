import assert from "node:assert/strict";
import { test } from "node:test";
import { useTestRedis } from "#platform/testing/index.js";
import { createExportScene, eventually } from "./support/exporter-scene.js";
import { spawnExporter, type ExporterProcess } from "./support/exporter-process.js";
import { takenPositions, tookAllUpTo, type Received } from "./support/test-siem-sink.js";

const redis = useTestRedis();

/** Positions in arrival order must be the log's, except that a batch may arrive again right after itself (at least once). */
function assertOneStream(taken: readonly Received[], head: number): void {
  let next = 1;
  let last: Received | undefined;
  for (const received of taken) {
    const { first_position: first, last_position: lastPosition } = received.envelope;
    if (last && first === last.envelope.first_position) {
      assert.equal(received.webhookId, last.webhookId, "a batch sent again keeps its webhook-id");
      assert.equal(received.rawBody, last.rawBody, "a batch sent again is the same batch");
      continue;
    }
    assert.equal(first, next, `batch ${received.webhookId} continues the stream`);
    next = lastPosition + 1;
    last = received;
  }
  assert.equal(next, head + 1);
}

test("a kill -9 of the exporter mid-batch loses nothing: the next one sends the batch in flight again under the same webhook-id", async (t) => {
  const scene = await createExportScene(await redis());
  t.after(() => scene.close());
  await scene.backoffice.append(25);
  // The sink takes the first batch and never answers: the exporter is killed between the receiver having it and its commit.
  await scene.sink.behave({ kind: "take-then-hang" });
  const first = await spawnExporter(scene, { AUDIT_EXPORT_REQUEST_TIMEOUT: "60s" });
  t.after(() => first.kill9());
  await scene.sink.waitFor((s) => s.received.length === 1, "the first batch to arrive");
  await first.kill9();
  const inFlight = scene.sink.received[0]!;

  await scene.sink.behave({ kind: "accept" });
  const second = await spawnExporter(scene);
  t.after(() => second.kill9());
  await scene.sink.waitFor(tookAllUpTo(25), "all 25 entries");
  await scene.backoffice.append(5);
  await scene.sink.waitFor(tookAllUpTo(30), "the 5 written after the restart");

  assert.deepEqual(scene.sink.invalid, []);
  const resent = scene.sink.received[1]!;
  assert.equal(resent.webhookId, inFlight.webhookId);
  assert.equal(resent.rawBody, inFlight.rawBody);
  assertOneStream(scene.sink.taken(), 30);
  assert.deepEqual([...new Set(takenPositions(scene.sink))], Array.from({ length: 30 }, (_, i) => i + 1));
  second.child.kill("SIGTERM");
  assert.equal(await second.exited, 0);
  for (const output of [first.output(), second.output()]) {
    assert.match(output, /holds the export lock: exporting/);
    for (const secret of [scene.signingSecret, scene.signingSecret.slice("whsec_".length), inFlight.signatures]) assert.ok(!output.includes(secret), "no secret or signature in the log");
  }
});

test("two exporters started at once export each entry in one stream, and the standby takes over when the leader is killed", async (t) => {
  const scene = await createExportScene(await redis());
  t.after(() => scene.close());
  await scene.backoffice.append(30);
  const both = await Promise.all([spawnExporter(scene), spawnExporter(scene)]);
  for (const exporter of both) t.after(() => exporter.kill9());
  await scene.sink.waitFor(tookAllUpTo(30), "the first 30 entries");

  const roles = async () => Promise.all(both.map((exporter) => exporter.metric("audit_export_leader")));
  await eventually(async () => (await roles()).sort().join() === "0,1", "one leader and one standby");
  const leaderIndex = (await roles()).indexOf(1);
  const [leader, standby] = [both[leaderIndex]!, both[1 - leaderIndex]!] as [ExporterProcess, ExporterProcess];
  assert.equal(await standby.metric("audit_export_backlog_entries"), 0);
  assert.equal(await standby.metric('audit_export_batches_total{outcome="delivered"}'), 0, "the standby sent nothing");
  assert.match(standby.output(), /another exporter holds the export lock: standing by/);

  await scene.backoffice.append(10);
  await leader.kill9();
  await scene.backoffice.append(10);
  await eventually(async () => (await standby.metric("audit_export_leader")) === 1, "the standby to take over");
  await scene.sink.waitFor(tookAllUpTo(50), "all 50 entries");

  assert.deepEqual(scene.sink.invalid, []);
  assertOneStream(scene.sink.taken(), 50);
  assert.ok((await standby.metric('audit_export_batches_total{outcome="delivered"}'))! >= 1);
});
