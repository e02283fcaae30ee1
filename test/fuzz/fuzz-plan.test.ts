/** The fuzz suite's numbering of requests, without a mesh: what `--only` replays. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { CHUNK, drawBatches, drawHolding, fuzzDraws, FuzzIndexError, GRPC_SEED_OFFSET, type FuzzPlan } from "./fuzz-plan.js";

const plan: FuzzPlan = { runs: 1000, grpcRuns: 250, seed: 7 };
/** Stand-ins for the edge's and the gRPC phase's arbitraries: any value tells draws apart. */
const arbitraries = { edge: fc.string(), grpc: fc.integer() };

const everyRequest = (p: FuzzPlan, only?: number) => [...drawBatches(p, arbitraries, only)].flatMap((batch) => batch.items.map((item) => ({ phase: batch.phase, ...item })));

describe("the fuzz suite's request numbering", () => {
  test("edge requests are #0 to #runs-1 from seed + chunk, gRPC calls go on from #runs from seed + 1,000,000 + chunk", () => {
    const draws = fuzzDraws({ runs: 600, grpcRuns: 150, seed: 7 });
    assert.deepEqual(draws, [
      { phase: "edge", seed: 7, count: CHUNK, firstIndex: 0 },
      { phase: "edge", seed: 8, count: CHUNK, firstIndex: 250 },
      { phase: "edge", seed: 9, count: 100, firstIndex: 500 },
      { phase: "grpc", seed: 7 + GRPC_SEED_OFFSET, count: 150, firstIndex: 600 },
    ]);
  });

  test("every index of a run is held by exactly one draw, at the position it is sent from", () => {
    const total = plan.runs + plan.grpcRuns;
    for (let index = 0; index < total; index++) {
      const held = drawHolding(plan, index)!;
      assert.ok(held, `#${index} is held by no draw`);
      assert.equal(held.draw.firstIndex + held.position, index);
      assert.equal(held.draw.phase, index < plan.runs ? "edge" : "grpc");
    }
  });

  test("--only replays exactly the request the whole run sent under that index, an edge request or a gRPC call", () => {
    const whole = everyRequest(plan);
    assert.equal(whole.length, plan.runs + plan.grpcRuns);
    for (const index of [0, 249, 250, 999, 1000, 1001, 1249]) {
      assert.deepEqual(everyRequest(plan, index), [whole[index]], `#${index}`);
    }
  });

  test("an index past the last gRPC call, negative or fractional names no request and is refused with the run's ranges", () => {
    for (const index of [1250, 5000, -1, 1.5]) {
      assert.equal(drawHolding(plan, index), undefined, `#${index}`);
      assert.throws(() => everyRequest(plan, index), (err: unknown) => err instanceof FuzzIndexError && /#0 to #999, gRPC calls #1000 to #1249/.test(err.message));
    }
  });

  test("a run without gRPC calls refuses an index from #runs on", () => {
    const edgeOnly = { runs: 10, grpcRuns: 0, seed: 1 };
    assert.equal(drawHolding(edgeOnly, 9)?.draw.phase, "edge");
    assert.throws(() => everyRequest(edgeOnly, 10), /#0 to #9, no gRPC calls/);
  });
});
