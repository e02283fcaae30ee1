import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_RETRY_AFTER_MS, retryAfterMs, retryDelayMs, statusClassOf, verdictOf } from "../src/domain/delivery-outcome.js";
import { describeFailure, scrub } from "../src/domain/failure-description.js";

test("2xx is delivered, 4xx other than 408 and 429 is permanent, everything else is retried", () => {
  for (const status of [200, 201, 202, 204]) assert.equal(verdictOf(status), "delivered");
  for (const status of [400, 401, 403, 404, 409, 413, 422]) assert.equal(verdictOf(status), "permanent");
  for (const status of [408, 429, 500, 502, 503, 504, 301, 302, undefined]) assert.equal(verdictOf(status), "retryable");
  assert.deepEqual([200, 302, 404, 503, undefined].map(statusClassOf), ["2xx", "3xx", "4xx", "5xx", "error"]);
});

test("Retry-After on 429 and 503 is read as seconds or as an HTTP date, and ignored elsewhere", () => {
  const now = new Date("2025-01-02T03:04:05Z");
  assert.equal(retryAfterMs(429, "2", now), 2_000);
  assert.equal(retryAfterMs(503, " 120 ", now), 120_000);
  assert.equal(retryAfterMs(503, "Thu, 02 Jan 2025 03:04:35 GMT", now), 30_000);
  assert.equal(retryAfterMs(429, "Thu, 02 Jan 2025 03:00:00 GMT", now), 0);
  assert.equal(retryAfterMs(429, "soon", now), undefined);
  assert.equal(retryAfterMs(429, "-5", now), undefined);
  assert.equal(retryAfterMs(500, "2", now), undefined);
  assert.equal(retryAfterMs(429, null, now), undefined);
  assert.equal(retryAfterMs(429, "999999", now), MAX_RETRY_AFTER_MS);
});

test("the retry wait is what Retry-After asked for, else full jitter under a doubling ceiling", () => {
  const policy = { baseMs: 500, maxMs: 60_000 };
  assert.equal(retryDelayMs(policy, 3, 7_000, () => 0.5), 7_000);
  assert.equal(retryDelayMs(policy, 1, undefined, () => 0.999), 499);
  assert.equal(retryDelayMs(policy, 3, undefined, () => 0.5), 1_000);
  assert.equal(retryDelayMs(policy, 30, undefined, () => 0.999), 59_940);
  assert.equal(retryDelayMs(policy, 4, undefined, () => 0), 0);
});

test("a failure's description keeps the status and the answer's start, never a secret, signature or the webhook URL", () => {
  const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
  const url = "https://siem.example.test/hook?token=abc123def456";
  const sensitive = { secrets: [secret], url };
  const echoed = `bad request; you sent webhook-signature: v1,${Buffer.alloc(32, 1).toString("base64")} with key ${secret} (raw ${secret.slice(6)}) to ${url}`;
  const text = describeFailure({ kind: "status", status: 400, answer: echoed }, sensitive);
  assert.match(text, /^webhook answered 400: bad request; you sent webhook-signature:/);
  for (const leaked of [secret, secret.slice(6), url, "abc123def456", Buffer.alloc(32, 1).toString("base64")]) assert.ok(!text.includes(leaked), text);
  assert.equal(describeFailure({ kind: "timeout", timeoutMs: 5000 }, sensitive), "webhook did not answer within 5000 ms");
  assert.equal(describeFailure({ kind: "connection", code: "ECONNREFUSED" }, sensitive), "webhook connection failed (ECONNREFUSED)");
  assert.equal(describeFailure({ kind: "connection", code: "weird code with spaces" }, sensitive), "webhook connection failed");
  assert.ok(scrub("x".repeat(500), sensitive).length <= 201);
});
