import assert from "node:assert/strict";
import { test } from "node:test";
import { useTestRedis } from "#platform/testing/index.js";
import { parseSigningSecrets } from "../src/domain/webhook-signature.js";
import { replayDeadLetters } from "../src/replay-dead-letters.js";
import { createWebhookSender } from "../src/webhook-sender.js";
import { createExportScene, eventually, type ExportScene, type RunningExporter } from "./support/exporter-scene.js";
import { takenPositions, tookAllUpTo } from "./support/test-siem-sink.js";

const redis = useTestRedis();

/** Every metric the exporter promises, by its exact name (the alert rules use them). */
const METRIC_NAMES = [
  "audit_export_lag_seconds",
  "audit_export_backlog_entries",
  "audit_export_last_success_timestamp_seconds",
  "audit_export_batches_total",
  "audit_export_dead_letters",
  "audit_export_replays_total",
  "audit_export_request_duration_seconds",
  "audit_export_leader",
];

/** Waits until `series` of `exporter` satisfies `ok`. */
const metricBecomes = (exporter: RunningExporter, series: string, ok: (value: number) => boolean) =>
  eventually(async () => {
    const value = await exporter.metric(series);
    return value !== undefined && ok(value);
  }, series);

/** Replays the scene's dead letters in process, as the command does. */
const replayScene = (scene: ExportScene) =>
  replayDeadLetters({ db: scene.db, webhook: createWebhookSender({ url: scene.sink.url, keys: parseSigningSecrets(scene.signingSecret), timeoutMs: 2_000 }) }, { limit: 200 });

test("the metrics move as described: lag and backlog while behind, then 0; last success; batches, requests, dead letters and replays by outcome", async (t) => {
  const scene = await createExportScene(await redis());
  t.after(() => scene.close());
  const { sink } = scene;
  await scene.backoffice.append(10);
  await sink.behave({ kind: "hang" });
  const exporter = scene.startExporter({ batchSize: 4, requestTimeoutMs: 200, maxAttempts: 1_000 });

  // Every series is there before the first batch.
  const exposition = await exporter.registry.metrics();
  for (const name of METRIC_NAMES) assert.match(exposition, new RegExp(`^# TYPE ${name} `, "m"), name);
  for (const outcome of ["delivered", "retried", "dead_lettered"]) assert.equal(await exporter.metric(`audit_export_batches_total{outcome="${outcome}"}`), 0);
  for (const outcome of ["delivered", "failed"]) assert.equal(await exporter.metric(`audit_export_replays_total{outcome="${outcome}"}`), 0);
  for (const statusClass of ["2xx", "3xx", "4xx", "5xx", "error"]) {
    assert.equal(await exporter.metric(`audit_export_request_duration_seconds_count{status_class="${statusClass}"}`), 0);
  }
  assert.equal(await exporter.metric("audit_export_last_success_timestamp_seconds"), 0);

  // Behind: it leads, sees the backlog, and the lag grows while the webhook hangs.
  await metricBecomes(exporter, "audit_export_leader", (v) => v === 1);
  await metricBecomes(exporter, "audit_export_backlog_entries", (v) => v === 10);
  await metricBecomes(exporter, "audit_export_lag_seconds", (v) => v > 0);
  await metricBecomes(exporter, 'audit_export_request_duration_seconds_count{status_class="error"}', (v) => v >= 1);
  await metricBecomes(exporter, 'audit_export_batches_total{outcome="retried"}', (v) => v >= 1);

  // Caught up: backlog and lag 0, the last success now, three batches delivered.
  const before = Date.now() / 1000;
  await sink.behave((envelope) => (envelope.first_position === 5 ? { kind: "answer", status: 400 } : { kind: "accept" }));
  await sink.waitFor((s) => takenPositions(s).includes(10), "the last batch");
  await metricBecomes(exporter, "audit_export_backlog_entries", (v) => v === 0);
  assert.equal(await exporter.metric("audit_export_lag_seconds"), 0);
  await metricBecomes(exporter, "audit_export_last_success_timestamp_seconds", (v) => v >= Math.floor(before));
  assert.equal(await exporter.metric('audit_export_batches_total{outcome="delivered"}'), 2);
  assert.equal(await exporter.metric('audit_export_batches_total{outcome="dead_lettered"}'), 1);
  assert.ok((await exporter.metric('audit_export_request_duration_seconds_count{status_class="2xx"}'))! >= 2);
  assert.equal(await exporter.metric('audit_export_request_duration_seconds_count{status_class="4xx"}'), 1);
  await metricBecomes(exporter, "audit_export_dead_letters", (v) => v === 1);

  // Replays, counted from the database the command writes: one refused, then one delivered.
  await sink.behave({ kind: "answer", status: 500 });
  assert.deepEqual(await replayScene(scene), { replayed: 0, failed: 1, remaining: 1 });
  await metricBecomes(exporter, 'audit_export_replays_total{outcome="failed"}', (v) => v === 1);
  await sink.behave({ kind: "accept" });
  assert.deepEqual(await replayScene(scene), { replayed: 1, failed: 0, remaining: 0 });
  await metricBecomes(exporter, 'audit_export_replays_total{outcome="delivered"}', (v) => v === 1);
  await metricBecomes(exporter, "audit_export_dead_letters", (v) => v === 0);
  assert.equal(await exporter.metric('audit_export_replays_total{outcome="failed"}'), 1);
});

test("/readyz fails, saying why, once the webhook has failed longer than AUDIT_EXPORT_UNHEALTHY_AFTER, and recovers with a delivery", async (t) => {
  const scene = await createExportScene(await redis());
  t.after(() => scene.close());
  await scene.backoffice.append(3);
  await scene.sink.behave({ kind: "answer", status: 500 });
  const exporter = scene.startExporter({ unhealthyAfterMs: 400, maxAttempts: 10_000 });

  await eventually(async () => (await exporter.readiness()).status === 503, "readiness to fail");
  const failing = (await exporter.readiness()).body as { failing: string[]; details: Record<string, Record<string, unknown>> };
  assert.deepEqual(failing.failing, ["webhook"]);
  assert.equal(failing.details.webhook!.state, "failing too long");
  assert.equal(failing.details.webhook!.lastAnswer, "5xx");
  assert.equal(failing.details.webhook!.unhealthyAfterMs, 400);
  assert.ok((failing.details.webhook!.failingForMs as number) > 400);
  assert.equal(failing.details.backoffice!.state, "ok");

  await scene.sink.behave({ kind: "accept" });
  await scene.sink.waitFor(tookAllUpTo(3), "the entries");
  await eventually(async () => (await exporter.readiness()).status === 200, "readiness to recover");
  assert.equal(((await exporter.readiness()).body as { details: Record<string, Record<string, unknown>> }).details.webhook!.state, "ok");
});

test("/readyz fails on the backoffice check while the audit log cannot be read for longer than AUDIT_EXPORT_UNHEALTHY_AFTER", async (t) => {
  const scene = await createExportScene(await redis());
  t.after(() => scene.close());
  const exporter = scene.startExporter({ unhealthyAfterMs: 300 }, { backofficeUrl: "http://127.0.0.1:9" });
  await eventually(async () => (await exporter.readiness()).status === 503, "readiness to fail");
  const body = (await exporter.readiness()).body as { failing: string[]; details: Record<string, Record<string, unknown>> };
  assert.deepEqual(body.failing, ["backoffice"]);
  assert.equal(body.details.backoffice!.state, "failing too long");
  assert.equal(scene.sink.received.length, 0);
});
