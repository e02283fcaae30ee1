import assert from "node:assert/strict";
import { test } from "node:test";
import type { Attempt } from "./careful-app.js";
import { judgeAttempts } from "./judge-attempts.js";

const at = (status: number | string, reason?: string): Attempt => ({ operation: "transfer", at: 1_500, durationMs: 5, status, ...(reason ? { reason } : {}) });

test("503, 504 and real conflicts are no breach", () => {
  assert.deepEqual(judgeAttempts([at(200), at(503), at(504), at(422, "INSUFFICIENT_FUNDS"), at(409, "IDEMPOTENCY_KEY_IN_PROGRESS"), at("Unavailable"), at("FailedPrecondition", "HOLD_NOT_PENDING")], 0), []);
});

test("a 409 without a reason is a breach, named with when it first happened", () => {
  assert.deepEqual(judgeAttempts([at(409), at(409)], 500), ["transfer answered 409 without a reason, which is neither retryable nor a real conflict (2 times, first at 1.0 s into the drive)"]);
});

test("a request the edge never answered is a breach: the edge is never stopped, and answers 503 or 504 when what is behind it fails", () => {
  assert.deepEqual(judgeAttempts([at("network")], 0), ["transfer got no answer from the edge (1 time, first at 1.5 s into the drive)"]);
});

test("a 409 CONCURRENT_MODIFICATION is a breach: a ledger that gave up on a lock wrote nothing, which is transient, not a conflict", () => {
  assert.equal(judgeAttempts([at(409, "CONCURRENT_MODIFICATION"), at("Aborted", "CONCURRENT_MODIFICATION")], 0).length, 2);
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
