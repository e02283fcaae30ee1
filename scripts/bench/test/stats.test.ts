import assert from "node:assert/strict";
import { test } from "node:test";
import { percentile, ratio, summarisePhase } from "../lib/stats.js";

test("percentile takes the nearest rank: p50 of 1..100 is 50 and p99 is 99", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile(values, 100), 100);
});

test("percentile of a single value is that value at every rank", () => {
  assert.equal(percentile([7], 1), 7);
  assert.equal(percentile([7], 99), 7);
});

test("a phase summary counts successes and errors apart and rates successes only", () => {
  const summary = summarisePhase([3, 1, 2, 4], { aborted: 2, unavailable: 1 }, 2);
  assert.equal(summary.operations, 4);
  assert.equal(summary.errors, 3);
  assert.equal(summary.perSecond, 2);
  assert.equal(summary.latencyMs.p50, 2);
  assert.equal(summary.latencyMs.max, 4);
  assert.equal(summary.latencyMs.mean, 2.5);
});

test("a ratio with a missing or zero side is null", () => {
  assert.equal(ratio(50, 100), 0.5);
  assert.equal(ratio(50, undefined), null);
  assert.equal(ratio(0, 100), null);
});
