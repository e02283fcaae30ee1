/**
 * The fuzz suite's short form, run by `npm test` with a fresh seed each time
 * (printed, so a failure can be replayed with `npm run fuzz -- --seed`).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeFinding, runFuzz } from "./run-fuzz.js";

test("hostile requests to every operation of /openapi.json and every gRPC method get no 5xx or server failure, only problem+json errors and no leaked internals", { timeout: 15 * 60_000 }, async (t) => {
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const report = await runFuzz({ runs: Number(process.env.FUZZ_RUNS ?? 600), seed });
  t.diagnostic(JSON.stringify(report.figures));
  const summary = report.findings.slice(0, 5).map(describeFinding);
  assert.deepEqual(summary, [], `seed ${seed}: npm run fuzz -- --runs 600 --seed ${seed} --only <index>`);
});
