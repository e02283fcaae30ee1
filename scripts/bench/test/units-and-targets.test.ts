import assert from "node:assert/strict";
import { test } from "node:test";
import { checkTarget, cpuMsPerUnit, summariseUnits } from "../lib/stats.js";

test("a units summary rates units over the phase and sums the refused ones", () => {
  const units = summariseUnits(5_000, { failed_precondition: 3, not_found: 1 }, 2);
  assert.deepEqual(units, { units: 5_000, perSecond: 2_500, errors: 4, errorsByCode: { failed_precondition: 3, not_found: 1 } });
  assert.equal(summariseUnits(10, {}, 0).perSecond, 0);
});

test("CPU ms per unit is cores * 1000 / rate, 3 decimals", () => {
  assert.equal(cpuMsPerUnit(0.9, 2_000), 0.45);
  assert.equal(cpuMsPerUnit(1, 3_000), 0.333);
  assert.equal(cpuMsPerUnit(0, 3_000), 0);
});

test("CPU ms per unit is null when the cores are unknown or nothing was done", () => {
  assert.equal(cpuMsPerUnit(undefined, 2_000), null);
  assert.equal(cpuMsPerUnit(0.5, 0), null);
  assert.equal(cpuMsPerUnit(0.5, Number.NaN), null);
});

test("a target is met at or above it by default, at or below it for a ceiling, and null without a figure", () => {
  assert.deepEqual(checkTarget(0.5, 0.5), { target: 0.5, met: true });
  assert.deepEqual(checkTarget(0.49, 0.5), { target: 0.5, met: false });
  assert.deepEqual(checkTarget(null, 2), { target: 2, met: null });
  assert.deepEqual(checkTarget(undefined, 2), { target: 2, met: null });
  assert.deepEqual(checkTarget(0.4, 0.4, "at-most"), { target: 0.4, atMost: true, met: true });
  assert.deepEqual(checkTarget(0.41, 0.4, "at-most"), { target: 0.4, atMost: true, met: false });
  assert.deepEqual(checkTarget(null, 0.4, "at-most"), { target: 0.4, atMost: true, met: null });
});
