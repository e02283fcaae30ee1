import assert from "node:assert/strict";
import { test } from "node:test";
import { consumerTopology, topologyNames } from "#platform/consumer/index.js";

test("one delay queue per distinct retry delay, doubling up to the ceiling", () => {
  const topology = consumerTopology("risk.events", 6, { baseMs: 1_000, maxMs: 5_000 });
  assert.deepEqual(
    topology.retryQueues.map((q) => [q.name, q.delayMs]),
    [
      ["risk.events.retry.1000", 1_000],
      ["risk.events.retry.2000", 2_000],
      ["risk.events.retry.4000", 4_000],
      ["risk.events.retry.5000", 5_000],
      ["risk.events.retry.5000", 5_000],
    ],
  );
  assert.deepEqual(topologyNames(topology), [
    "risk.events",
    "risk.events.dlx",
    "risk.events.dead",
    "risk.events.retry.1000",
    "risk.events.retry.2000",
    "risk.events.retry.4000",
    "risk.events.retry.5000",
  ]);
});

test("a single attempt needs no delay queue", () => {
  assert.deepEqual(consumerTopology("q", 1, { baseMs: 10, maxMs: 10 }).retryQueues, []);
});
