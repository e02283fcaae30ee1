import assert from "node:assert/strict";
import { test } from "node:test";
import type { Attempt } from "./careful-app.js";
import { judgeAttempts } from "./judge-attempts.js";

const at = (status: number | string, reason?: string): Attempt => ({ operation: "transfer", at: 1_500, durationMs: 5, status, ...(reason ? { reason } : {}) });

test("503, 504, network errors and real conflicts are no breach", () => {
  assert.deepEqual(judgeAttempts([at(200), at(503), at(504), at("network"), at(422, "INSUFFICIENT_FUNDS"), at(409, "IDEMPOTENCY_KEY_IN_PROGRESS"), at("Unavailable"), at("FailedPrecondition", "HOLD_NOT_PENDING")], 0), []);
});

test("a 409 without a reason is a breach, named with when it first happened", () => {
  assert.deepEqual(judgeAttempts([at(409), at(409)], 500), ["transfer answered 409 without a reason (2 times, first at 1.0 s into the drive), which is neither retryable nor a real conflict"]);
});

test("a 500 and a 502 are breaches", () => {
  assert.equal(judgeAttempts([at(500), at(502)], 0).length, 2);
});

test("a reused idempotency key is a breach: the careful clients never change a request under its key", () => {
  assert.equal(judgeAttempts([at(422, "IDEMPOTENCY_KEY_REUSED")], 0).length, 1);
});

test("Aborted or Internal from the ledger without a conflict reason is a breach", () => {
  assert.equal(judgeAttempts([at("Aborted"), at("Internal")], 0).length, 2);
});
