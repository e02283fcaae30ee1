import assert from "node:assert/strict";
import { test } from "node:test";
import { useTestRedis } from "#platform/testing/index.js";
import { createExportScene, newSigningSecret } from "./support/exporter-scene.js";
import { takenPositions, tookAllUpTo } from "./support/test-siem-sink.js";

const redis = useTestRedis();

test("every audit entry arrives in order, at least once, with continuity of positions and hashes", async (t) => {
  const scene = await createExportScene(await redis());
  t.after(() => scene.close());
  const written = await scene.backoffice.append(60);
  const exporter = scene.startExporter({ batchSize: 25 });
  await scene.sink.waitFor(tookAllUpTo(60), "the first 60 entries");
  written.push(...(await scene.backoffice.append(17))); // more while it runs
  await scene.sink.waitFor(tookAllUpTo(77), "all 77 entries");
  await scene.cursorReaches(77n);
  await exporter.stop();

  assert.deepEqual(scene.sink.invalid, []);
  assert.deepEqual(takenPositions(scene.sink), written.map((e) => Number(e.position)));
  const batches = scene.sink.taken().map((r) => r.envelope);
  assert.deepEqual(batches.slice(0, 3).map((b) => [b.first_position, b.last_position]), [[1, 25], [26, 50], [51, 60]]);
  let previous = { position: 0, hash: "0".repeat(64) };
  for (const [i, received] of scene.sink.taken().entries()) {
    const batch = received.envelope;
    assert.equal(received.webhookId, batch.batch_id);
    assert.equal(batch.first_position, previous.position + 1, `batch ${i} continues the positions`);
    assert.equal(batch.previous_hash, previous.hash, `batch ${i} continues the chain`);
    for (const event of batch.events) {
      assert.equal(event.unmapped.previous_hash, previous.hash);
      previous = { position: event.unmapped.position, hash: event.unmapped.entry_hash };
    }
    assert.equal(batch.chain_hash, previous.hash);
    assert.equal(batch.last_position, previous.position);
  }
  // Each event is the entry the backoffice wrote, as OCSF.
  const events = scene.sink.taken().flatMap((r) => r.envelope.events);
  for (const [i, entry] of written.entries()) {
    const event = events[i]!;
    assert.equal(event.class_uid, 6003);
    assert.equal(event.api.operation, entry.action);
    assert.equal(event.actor.user.uid, entry.actorId);
    assert.equal(event.api.request.uid, entry.requestId);
    assert.equal(event.src_endpoint.ip, entry.clientIp);
    assert.equal(event.time, entry.occurredAt.getTime());
    assert.equal(event.unmapped.audit_id, entry.id);
    assert.equal(event.unmapped.entry_hash, entry.entryHash);
    assert.equal(event.status, entry.outcome === "SUCCEEDED" ? "Success" : "Failure");
  }
  const cursor = await scene.db.selectFrom("export_cursor").selectAll().executeTakeFirstOrThrow();
  assert.equal(cursor.position, 77n);
  assert.equal(cursor.entry_hash, written.at(-1)!.entryHash);
  assert.equal(await scene.db.selectFrom("export_pending_batch").selectAll().executeTakeFirst(), undefined);
});

test("during a secret rotation every batch carries a signature for each secret, and each verifies on its own", async (t) => {
  const scene = await createExportScene(await redis(), { secrets: [newSigningSecret(), newSigningSecret()] });
  t.after(() => scene.close());
  await scene.backoffice.append(3);
  const exporter = scene.startExporter();
  await scene.sink.waitFor(tookAllUpTo(3), "3 entries signed by both secrets");
  await exporter.stop();
  assert.deepEqual(scene.sink.invalid, []);
  assert.equal(scene.sink.taken()[0]!.signatures.split(" ").length, 2);
});
