import assert from "node:assert/strict";
import { test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { runClosedLoop, runClosedLoopRaw } from "../lib/closed-loop.js";

test("a phase with unitsOf counts the units its operations did, beside the operations", async () => {
  const summary = await runClosedLoop({
    clients: 3,
    limit: { operations: 10, maxSeconds: 60 },
    operation: async () => ({ posted: 100 }),
    unitsOf: (result) => ({ done: result.posted }),
  });
  assert.equal(summary.operations, 10);
  assert.equal(summary.units.units, 1_000);
  assert.equal(summary.units.errors, 0);
  assert.deepEqual(summary.units.errorsByCode, {});
  // Both rates share the phase's length: units/s is 100 times operations/s, up to rounding to 0.1.
  assert.ok(Math.abs(summary.units.perSecond - 100 * summary.perSecond) <= 100 * 0.05 + 0.05, `${summary.units.perSecond} vs ${summary.perSecond}`);
});

test("refused units are errors under their own code, not units, and the first of each code is reported once", async () => {
  const first: string[] = [];
  const summary = await runClosedLoop({
    clients: 2,
    limit: { operations: 4, maxSeconds: 60 },
    operation: async (_client, sequence) => sequence,
    unitsOf: (sequence) => ({
      done: 8,
      refused: [new ConnectError("no funds", Code.FailedPrecondition), ...(sequence === 3 ? [new ConnectError("closed", Code.NotFound)] : [])],
    }),
    onFirstRefusal: (code, error) => first.push(`${code}: ${error.rawMessage}`),
  });
  assert.equal(summary.units.units, 32);
  assert.equal(summary.units.errors, 5);
  assert.deepEqual(summary.units.errorsByCode, { failed_precondition: 4, not_found: 1 });
  assert.deepEqual(first.sort(), ["failed_precondition: no funds", "not_found: closed"]);
  assert.equal(summary.errors, 0, "the operations themselves succeeded");
});

test("a failed operation counts as an operation error and adds no units", async () => {
  const summary = await runClosedLoop({
    clients: 1,
    limit: { operations: 3, maxSeconds: 60 },
    operation: async (_client, sequence) => {
      if (sequence === 1) throw new ConnectError("down", Code.Unavailable);
      return 5;
    },
    unitsOf: (done) => ({ done }),
  });
  assert.equal(summary.operations, 2);
  assert.deepEqual(summary.errorsByCode, { unavailable: 1 });
  assert.equal(summary.units.units, 10);
  assert.equal(summary.units.errors, 0);
});

test("without unitsOf the summary and the raw run carry no units (existing callers see no change)", async () => {
  const summary = await runClosedLoop({ clients: 1, limit: { operations: 2, maxSeconds: 60 }, operation: async () => 7 });
  assert.equal("units" in summary, false);
  const raw = await runClosedLoopRaw({ clients: 1, limit: { operations: 2, maxSeconds: 60 }, operation: async () => 7 });
  assert.deepEqual(Object.keys(raw).sort(), ["elapsedSeconds", "errorsByCode", "latenciesMs"]);
});
