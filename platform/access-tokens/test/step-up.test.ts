import assert from "node:assert/strict";
import { test } from "node:test";
import { hasRecentSecondFactor } from "../index.js";

const now = new Date("2025-01-01T12:00:00Z");
const nowSec = now.getTime() / 1000;

test("a token with otp in amr and a recent auth_time proves a recent second factor", () => {
  assert.equal(hasRecentSecondFactor({ amr: ["pwd", "otp", "mfa"], auth_time: nowSec - 60 }, 300, now), true);
});

test("a password-only token never proves a second factor, however recent", () => {
  assert.equal(hasRecentSecondFactor({ amr: ["pwd"], auth_time: nowSec }, 300, now), false);
});

test("a second factor older than the window calls for a step-up", () => {
  assert.equal(hasRecentSecondFactor({ amr: ["pwd", "otp", "mfa"], auth_time: nowSec - 301 }, 300, now), false);
});
