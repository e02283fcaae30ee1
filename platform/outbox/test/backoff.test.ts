import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffCeilingMs, fullJitterDelayMs } from "../backoff.js";

const policy = { baseMs: 100, maxMs: 1_000 };

test("the backoff ceiling doubles from the base with each attempt", () => {
  assert.deepEqual([1, 2, 3, 4].map((attempt) => backoffCeilingMs(policy, attempt)), [100, 200, 400, 800]);
});

test("the backoff ceiling never exceeds the maximum, however many attempts", () => {
  assert.equal(backoffCeilingMs(policy, 5), 1_000);
  assert.equal(backoffCeilingMs(policy, 10_000), 1_000);
});

test("full jitter picks a delay between zero and the ceiling", () => {
  assert.equal(fullJitterDelayMs(policy, 3, () => 0), 0);
  assert.equal(fullJitterDelayMs(policy, 3, () => 0.5), 200);
  assert.equal(fullJitterDelayMs(policy, 3, () => 0.999999), 399);
});
