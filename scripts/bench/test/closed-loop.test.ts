import assert from "node:assert/strict";
import { test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeName, runClosedLoop, summariseRuns } from "../lib/closed-loop.js";

test("an operations-bounded phase runs exactly that many operations across the clients", async () => {
  const byClient = new Map<number, number>();
  const summary = await runClosedLoop({
    clients: 4,
    limit: { operations: 100, maxSeconds: 60 },
    operation: async (client) => {
      byClient.set(client, (byClient.get(client) ?? 0) + 1);
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
  assert.equal(summary.operations, 100);
  assert.equal([...byClient.values()].reduce((a, b) => a + b, 0), 100);
  assert.equal(byClient.size, 4);
});

test("failed operations are counted by gRPC code and not as successes", async () => {
  const summary = await runClosedLoop({
    clients: 2,
    limit: { operations: 10, maxSeconds: 60 },
    operation: async (_client, sequence) => {
      if (sequence % 2 === 0) throw new ConnectError("conflict", Code.Aborted);
      if (sequence === 1) throw new ConnectError("no funds", Code.FailedPrecondition);
    },
  });
  assert.equal(summary.operations, 4);
  assert.deepEqual(summary.errorsByCode, { aborted: 5, failed_precondition: 1 });
});

test("code names use the protocol's lower-case spelling", () => {
  assert.equal(codeName(new ConnectError("x", Code.ResourceExhausted)), "resource_exhausted");
  assert.equal(codeName(new ConnectError("x", Code.Unavailable)), "unavailable");
});

test("errorKey counts failures under the bench's own key, falling back to the gRPC code", async () => {
  const summary = await runClosedLoop({
    clients: 1,
    limit: { operations: 4, maxSeconds: 60 },
    errorKey: (err) => ((err as { status?: number }).status !== undefined ? `http_${(err as { status: number }).status}` : undefined),
    operation: async (_client, sequence) => {
      if (sequence < 2) throw Object.assign(new Error("refused"), { status: 429 });
      if (sequence === 2) throw new ConnectError("down", Code.Unavailable);
    },
  });
  assert.equal(summary.operations, 1);
  assert.deepEqual(summary.errorsByCode, { http_429: 2, unavailable: 1 });
});

test("summariseRuns merges interleaved slices: all latencies, summed errors and time", () => {
  const summary = summariseRuns([
    { latenciesMs: [1, 3], errorsByCode: { aborted: 1 }, elapsedSeconds: 1 },
    { latenciesMs: [2, 4], errorsByCode: { aborted: 2, unavailable: 1 }, elapsedSeconds: 1 },
  ]);
  assert.equal(summary.operations, 4);
  assert.equal(summary.perSecond, 2);
  assert.equal(summary.latencyMs.p50, 2);
  assert.equal(summary.latencyMs.max, 4);
  assert.deepEqual(summary.errorsByCode, { aborted: 3, unavailable: 1 });
});
