/**
 * The fuzz suite's short form, run by `npm test` with a fresh seed each time
 * (printed, so a failure can be replayed with `npm run fuzz -- --seed`).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeFinding, runFuzz } from "./run-fuzz.js";

test("hostile requests to every operation of /openapi.json, as a customer and as staff with every role, and to every gRPC method, as the user its caller forwards, get no 5xx or server failure, only problem+json errors and no leaked internals", { timeout: 15 * 60_000 }, async (t) => {
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const runs = Number(process.env.FUZZ_RUNS ?? 600);
  const report = await runFuzz({ runs, seed });
  t.diagnostic(JSON.stringify(report.figures));
  const summary = report.findings.slice(0, 5).map(describeFinding);
  assert.deepEqual(summary, [], `seed ${seed}: replay one with npm run fuzz -- --runs ${runs} --seed ${seed} --only <index>`);
});
