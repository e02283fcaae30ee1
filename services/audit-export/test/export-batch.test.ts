import assert from "node:assert/strict";
import { test } from "node:test";
import { buildExportBatch, findDiscontinuity } from "../src/domain/export-batch.js";
import { chainedEntries } from "./support/audit-entries.js";

test("a batch's envelope carries its range, the hashes at both ends and the events in position order", () => {
  const entries = chainedEntries(5, 11n, "a".repeat(64));
  const batch = buildExportBatch(entries);
  const body = JSON.parse(batch.body);
  assert.equal(body.batch_id, batch.id);
  assert.equal(body.first_position, 11);
  assert.equal(body.last_position, 15);
  assert.equal(body.previous_hash, "a".repeat(64));
  assert.equal(body.chain_hash, entries[4]!.entryHash);
  assert.deepEqual(body.events.map((e: any) => e.unmapped.position), [11, 12, 13, 14, 15]);
  assert.equal(batch.eventCount, 5);
});

test("a batch's id is deterministic per range and content, so a resend is the same message", () => {
  const entries = chainedEntries(3);
  assert.equal(buildExportBatch(entries).id, `batch_1-3_${entries[2]!.entryHash.slice(0, 16)}`);
  assert.equal(buildExportBatch(entries).body, buildExportBatch(chainedEntries(3)).body);
  assert.notEqual(buildExportBatch(entries).id, buildExportBatch(chainedEntries(3, 1n, "b".repeat(64))).id);
});

test("entries that do not continue the exported chain are found: a gap or a previous hash that does not match", () => {
  const entries = chainedEntries(4);
  assert.equal(findDiscontinuity({ position: 0n, hash: "0".repeat(64) }, entries), undefined);
  assert.deepEqual(findDiscontinuity({ position: 0n, hash: "0".repeat(64) }, [entries[0]!, entries[2]!]), { position: 3n, problem: "position gap" });
  assert.deepEqual(findDiscontinuity({ position: 0n, hash: "f".repeat(64) }, entries), { position: 1n, problem: "previous hash does not match" });
});
