import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { readConfig } from "#platform/config/index.js";
import { auditExportConfigFields, auditExportSettings, LOCAL_WEBHOOK_URL } from "../src/config.js";

const schema = z.object(auditExportConfigFields);
const secret = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;
const settingsOf = (env: Record<string, string>, nodeEnv = "development") => auditExportSettings({ ...readConfig(schema, env), NODE_ENV: nodeEnv });

test("outside production the exporter defaults to the local SIEM sink, the development key and the documented pace", () => {
  const settings = settingsOf({});
  assert.equal(settings.webhookUrl, LOCAL_WEBHOOK_URL);
  assert.equal(settings.developmentKey, true);
  assert.equal(settings.signingKeys.length, 1);
  assert.equal(settings.batchSize, 100);
  assert.equal(settings.intervalMs, 2_000);
  assert.equal(settings.requestTimeoutMs, 5_000);
  assert.equal(settings.maxAttempts, 8);
  assert.deepEqual(settings.backoff, { baseMs: 500, maxMs: 60_000 });
  assert.equal(settings.unhealthyAfterMs, 300_000);
  assert.equal(settings.backofficeUrl, "http://127.0.0.1:8086");
});

test("durations take units and several secrets are read for a rotation", () => {
  const settings = settingsOf({ AUDIT_EXPORT_INTERVAL: "250ms", AUDIT_EXPORT_UNHEALTHY_AFTER: "2m", AUDIT_EXPORT_SIGNING_SECRET: `${secret} ${secret}` });
  assert.equal(settings.intervalMs, 250);
  assert.equal(settings.unhealthyAfterMs, 120_000);
  assert.equal(settings.signingKeys.length, 2);
  assert.equal(settings.developmentKey, false);
});

test("a malformed secret stops start-up naming the variable, never showing the value", () => {
  assert.throws(
    () => readConfig(schema, { AUDIT_EXPORT_SIGNING_SECRET: "whsec_short-and-wrong" }),
    (err: Error) => /AUDIT_EXPORT_SIGNING_SECRET must be one or more space-separated whsec_/.test(err.message) && /value hidden/.test(err.message) && !err.message.includes("short-and-wrong"),
  );
});

test("production requires an https webhook and a secret", () => {
  assert.throws(() => settingsOf({ AUDIT_EXPORT_SIGNING_SECRET: secret }, "production"), /AUDIT_EXPORT_WEBHOOK_URL is required in production/);
  assert.throws(() => settingsOf({ AUDIT_EXPORT_WEBHOOK_URL: "http://siem.example.test/hook", AUDIT_EXPORT_SIGNING_SECRET: secret }, "production"), /must be an https:\/\/ URL/);
  assert.throws(() => settingsOf({ AUDIT_EXPORT_WEBHOOK_URL: "https://siem.example.test/hook" }, "production"), /AUDIT_EXPORT_SIGNING_SECRET is required in production/);
  assert.equal(settingsOf({ AUDIT_EXPORT_WEBHOOK_URL: "https://siem.example.test/hook", AUDIT_EXPORT_SIGNING_SECRET: secret }, "production").developmentKey, false);
});

test("a batch above what ReadAuditLog answers, a zero interval, or a backoff base above its maximum, is refused naming the variable", () => {
  assert.throws(() => settingsOf({ AUDIT_EXPORT_BATCH_SIZE: "1001" }), /AUDIT_EXPORT_BATCH_SIZE must be at most 1000/);
  assert.throws(() => settingsOf({ AUDIT_EXPORT_BACKOFF_BASE: "2m", AUDIT_EXPORT_BACKOFF_MAX: "1m" }), /AUDIT_EXPORT_BACKOFF_BASE/);
  assert.throws(() => readConfig(schema, { AUDIT_EXPORT_MAX_ATTEMPTS: "0" }), /AUDIT_EXPORT_MAX_ATTEMPTS must be a positive integer/);
  assert.throws(() => settingsOf({ AUDIT_EXPORT_INTERVAL: "0" }), /AUDIT_EXPORT_INTERVAL must be at least 1 ms/);
});
