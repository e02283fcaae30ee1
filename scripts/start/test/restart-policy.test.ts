import assert from "node:assert/strict";
import { test } from "node:test";
import { restartDecision, type RestartPolicy } from "../restart-policy.js";

const policy: RestartPolicy = { initialDelayMs: 250, maxDelayMs: 2_000, maxRestarts: 5, windowMs: 60_000 };

test("the first crash is restarted after the initial delay", () => {
  assert.deepEqual(restartDecision(policy, [], 1_000_000), { action: "restart", delayMs: 250, restartsInWindow: 0 });
});

test("each further crash within the window doubles the delay, up to the maximum", () => {
  const now = 1_000_000;
  const delays = [0, 1, 2, 3, 4].map((n) => restartDecision(policy, Array.from({ length: n }, (_, i) => now - 1_000 * (i + 1)).reverse(), now));
  assert.deepEqual(delays.map((d) => (d.action === "restart" ? d.delayMs : "give-up")), [250, 500, 1_000, 2_000, 2_000]);
});

test("a sixth crash within a minute is a crash loop: no restart", () => {
  const now = 1_000_000;
  const history = [now - 50_000, now - 40_000, now - 30_000, now - 20_000, now - 10_000];
  assert.deepEqual(restartDecision(policy, history, now), { action: "give-up", restartsInWindow: 5 });
});

test("restarts older than the window are forgotten", () => {
  const now = 1_000_000;
  const history = [now - 120_000, now - 90_000, now - 70_000, now - 65_000, now - 10_000];
  const decision = restartDecision(policy, history, now);
  assert.deepEqual(decision, { action: "restart", delayMs: 500, restartsInWindow: 1 });
  assert.deepEqual(history, [now - 10_000]);
});
