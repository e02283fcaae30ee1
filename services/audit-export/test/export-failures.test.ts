import assert from "node:assert/strict";
import { test } from "node:test";
import { useTestRedis } from "#platform/testing/index.js";
import { createExportScene, eventually } from "./support/exporter-scene.js";
import { takenPositions, tookAllUpTo, type TestSiemSink } from "./support/test-siem-sink.js";

const redis = useTestRedis();
const ERRORS = 'audit_export_request_duration_seconds_count{status_class="error"}';

/** Waits until the sink has received `n` more requests than `since`. */
const moreRequests = (sink: TestSiemSink, since: number, n: number, what: string) => sink.waitFor((s) => s.received.length >= since + n, what);

test("a sink outage (errors, refused connections, hung requests) loses nothing: every entry arrives once it is back", async (t) => {
  const scene = await createExportScene(await redis());
  t.after(() => scene.close());
  const { sink } = scene;
  await scene.backoffice.append(10);
  await sink.behave({ kind: "answer", status: 500, body: "internal error" });
  const exporter = scene.startExporter({ batchSize: 4, requestTimeoutMs: 300, maxAttempts: 1_000 });
  await moreRequests(sink, 0, 3, "three refused attempts");
  await scene.backoffice.append(5);

  await sink.behave({ kind: "refuse" });
  const errorsBefore = (await exporter.metric(ERRORS))!;
  await eventually(async () => (await exporter.metric(ERRORS))! > errorsBefore, "an attempt meeting the closed port");
  await sink.behave({ kind: "hang" });
  const hungFrom = sink.received.length;
  await moreRequests(sink, hungFrom, 2, "two hung attempts");
  await scene.backoffice.append(5);

  await sink.behave({ kind: "accept" });
  await sink.waitFor(tookAllUpTo(20), "all 20 entries after the outage");
  assert.ok((await exporter.metric(ERRORS))! >= 3, "refused connections and timeouts were attempts");
  await exporter.stop();

  assert.deepEqual(sink.invalid, []);
  assert.deepEqual(takenPositions(sink), Array.from({ length: 20 }, (_, i) => i + 1));
  // Retries of one batch are one message to the receiver: the same webhook-id each time.
  const firstBatchAttempts = sink.received.filter((r) => r.envelope.first_position === 1);
  assert.ok(firstBatchAttempts.length >= 4);
  assert.equal(new Set(firstBatchAttempts.map((r) => r.webhookId)).size, 1);
  assert.equal(new Set(firstBatchAttempts.map((r) => r.rawBody)).size, 1);
  assert.ok((await exporter.metric('audit_export_batches_total{outcome="retried"}'))! >= 3);
  assert.equal(await exporter.metric('audit_export_batches_total{outcome="dead_lettered"}'), 0);
});

test("Retry-After is honoured on 429 (seconds) and on 503 (an HTTP date)", async (t) => {
  const scene = await createExportScene(await redis());
  t.after(() => scene.close());
  const { sink } = scene;
  await scene.backoffice.append(1);
  // Without Retry-After the next attempt would come within the 50 ms backoff ceiling.
  await sink.behave({ kind: "answer", status: 429, headers: { "retry-after": "1" } });
  const exporter = scene.startExporter();
  await moreRequests(sink, 0, 1, "the 429");
  await sink.behave({ kind: "answer", status: 503, headers: { "retry-after": new Date(Date.now() + 3_000).toUTCString() } });
  await moreRequests(sink, 1, 1, "the attempt after the 429");
  await sink.behave({ kind: "accept" });
  await sink.waitFor(tookAllUpTo(1), "the entry");
  await exporter.stop();

  const [tooMany, unavailable, accepted] = sink.received;
  assert.equal(tooMany!.status, 429);
  assert.equal(unavailable!.status, 503);
  assert.ok(unavailable!.at - tooMany!.at >= 1_000, `waited ${unavailable!.at - tooMany!.at} ms after Retry-After: 1`);
  // An HTTP date has a resolution of one second: the wait is at least the date's whole seconds from the answer.
  assert.ok(accepted!.at - unavailable!.at >= 1_000, `waited ${accepted!.at - unavailable!.at} ms after the Retry-After date`);
  assert.equal(accepted!.webhookId, tooMany!.webhookId);
});

test("a permanently refused batch (400) is dead-lettered at once and the cursor moves on", async (t) => {
  const scene = await createExportScene(await redis());
  t.after(() => scene.close());
  const { sink } = scene;
  await scene.backoffice.append(12);
  await sink.behave((envelope) => (envelope.first_position === 5 ? { kind: "answer", status: 400, body: "schema violation" } : { kind: "accept" }));
  const exporter = scene.startExporter({ batchSize: 4 });
  await sink.waitFor((s) => takenPositions(s).includes(12), "the batches after the refused one");
  await scene.cursorReaches(12n);
  await exporter.stop();

  assert.deepEqual(takenPositions(sink), [1, 2, 3, 4, 9, 10, 11, 12]);
  assert.equal(sink.received.filter((r) => r.envelope.first_position === 5).length, 1, "a permanent refusal is not retried");
  const [letter, ...more] = await scene.db.selectFrom("export_dead_letters").selectAll().execute();
  assert.equal(more.length, 0);
  assert.equal(letter!.first_position, 5n);
  assert.equal(letter!.last_position, 8n);
  assert.equal(letter!.attempts, 1);
  assert.equal(letter!.last_status, 400);
  assert.equal(letter!.last_error, "webhook answered 400: schema violation");
  assert.equal(letter!.batch_id, sink.received.find((r) => r.envelope.first_position === 5)!.webhookId);
  assert.equal(letter!.body, sink.received.find((r) => r.envelope.first_position === 5)!.rawBody);
  assert.equal(letter!.replayed_at, null);
  assert.equal((await scene.db.selectFrom("export_cursor").select("position").executeTakeFirstOrThrow()).position, 12n);
});

test("a batch that fails AUDIT_EXPORT_MAX_ATTEMPTS times is dead-lettered and the export goes on", async (t) => {
  const scene = await createExportScene(await redis());
  t.after(() => scene.close());
  const { sink } = scene;
  await scene.backoffice.append(6);
  await sink.behave((envelope) => (envelope.first_position === 1 ? { kind: "answer", status: 502 } : { kind: "accept" }));
  const exporter = scene.startExporter({ batchSize: 3, maxAttempts: 3 });
  await sink.waitFor((s) => takenPositions(s).includes(6), "the second batch");
  assert.equal(await exporter.metric('audit_export_batches_total{outcome="retried"}'), 2);
  assert.equal(await exporter.metric('audit_export_batches_total{outcome="dead_lettered"}'), 1);
  await exporter.stop();

  assert.equal(sink.received.filter((r) => r.envelope.first_position === 1).length, 3);
  const letter = await scene.db.selectFrom("export_dead_letters").selectAll().executeTakeFirstOrThrow();
  assert.deepEqual([letter.first_position, letter.last_position, letter.attempts, letter.last_status], [1n, 3n, 3, 502]);
});

test("a secret never appears in the stored last error or the logs, even when the receiver echoes the request", async (t) => {
  const scene = await createExportScene(await redis());
  t.after(() => scene.close());
  const { sink } = scene;
  await scene.backoffice.append(4);
  const echo = (status: number) => (envelope: { batch_id: string }) => {
    const last = sink.received.at(-1);
    return { kind: "answer" as const, status, body: `rejected ${envelope.batch_id} signed ${last?.signatures ?? ""} with ${scene.signingSecret} for ${sink.url}` };
  };
  let calls = 0;
  await sink.behave((envelope) => (++calls <= 2 ? echo(500)(envelope) : echo(401)(envelope)));
  const exporter = scene.startExporter({ batchSize: 2 });
  await sink.waitFor((s) => s.received.length >= 3, "two retried and one permanent refusal");
  const pending = await scene.db.selectFrom("export_pending_batch").selectAll().executeTakeFirst();
  await exporter.stop();

  const stored = [pending?.last_error ?? "", ...(await scene.db.selectFrom("export_dead_letters").select("last_error").execute()).map((r) => r.last_error)];
  assert.ok(stored.some((text) => text.startsWith("webhook answered 401: rejected")), stored.join("\n"));
  const secretForms = [scene.signingSecret, scene.signingSecret.slice("whsec_".length)];
  const signatures = sink.received.flatMap((r) => r.signatures.split(" ")).flatMap((s) => [s, s.slice(3)]);
  const logs = exporter.logLines.join("");
  assert.match(logs, /webhook failed; retrying the batch/);
  assert.match(logs, /batch dead-lettered/);
  for (const secret of [...secretForms, ...signatures]) {
    for (const text of [...stored, logs]) assert.ok(!text.includes(secret), `a secret or signature leaked into: ${text.slice(0, 300)}`);
  }
});
