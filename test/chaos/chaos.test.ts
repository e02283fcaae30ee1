/**
 * The fault suite's short form, run by `npm test`; `npm run chaos` runs the
 * long one and prints its figures.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runChaos } from "./run-chaos.js";

test("money, events and answers hold while the ledger, its relay, risk and the BFF are killed and RabbitMQ, Redis and risk are cut", { timeout: 20 * 60_000 }, async (t) => {
  const report = await runChaos({ clients: 32, warmupMs: 3_000, cutMs: 3_000, gapMs: 3_000, cooldownMs: 3_000, log: (line) => t.diagnostic(line) });
  t.diagnostic(JSON.stringify(report.figures));
  assert.deepEqual(report.violations, []);
  // Not a throughput target (a loaded CI moves little): every kind of movement must have happened.
  const successes = report.figures.successes as Record<string, number>;
  for (const operation of ["transfer", "refund", "hold.authorize"]) assert.ok((successes[operation] ?? 0) > 0, `no ${operation} succeeded`);
});
