import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createReconnectBackoff } from "../reconnect-backoff.js";

describe("createReconnectBackoff", () => {
  it("doubles from the base with equal jitter and never waits longer than the cap", () => {
    for (const random of [() => 0, () => 0.5, () => 0.999_999]) {
      const backoff = createReconnectBackoff({ baseMs: 100, maxMs: 1_000 }, { now: () => 0, random });
      const delays = Array.from({ length: 40 }, () => backoff.failed());
      assert.ok(delays.every((d) => d <= 1_000), `capped: ${delays.join(",")}`);
      // Equal jitter: at least half the ceiling, so a refusing broker never sees a tight loop.
      assert.ok(delays[0]! >= 50 && delays[3]! >= 400 && delays[39]! >= 500, `floors: ${delays.join(",")}`);
    }
  });

  it("reports the attempt and the time left, and resets on success", () => {
    let now = 10_000;
    const backoff = createReconnectBackoff({ baseMs: 100, maxMs: 500 }, { now: () => now, random: () => 0.5 });
    assert.deepEqual(backoff.status(), { reconnectAttempt: 0, retryInMs: 0, reconnectDelayMs: 0, reconnectMaxMs: 500 });
    backoff.failed();
    backoff.failed();
    const delay = backoff.failed(); // ceiling 400: 200 + 100
    assert.equal(delay, 300);
    now += 120;
    assert.deepEqual(backoff.status(), { reconnectAttempt: 3, retryInMs: 180, reconnectDelayMs: 300, reconnectMaxMs: 500 });
    now += 500; // the wait is over, the attempt is under way
    assert.equal(backoff.status().retryInMs, 0);
    assert.equal(backoff.succeeded(), 3);
    assert.deepEqual(backoff.status(), { reconnectAttempt: 0, retryInMs: 0, reconnectDelayMs: 0, reconnectMaxMs: 500 });
  });
});
