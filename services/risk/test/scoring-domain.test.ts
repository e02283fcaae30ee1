import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createBlocklistMatcher } from "../src/domain/blocklist.js";
import { evaluateRules, formatMoney, type ObservedFacts, type ScoreInput } from "../src/domain/evaluate.js";
import { RiskError } from "../src/domain/risk-error.js";
import { structuringFloor, validateRule, type Rule } from "../src/domain/rules.js";

const now = new Date("2026-01-01T12:00:00Z");
const input: ScoreInput = { userId: "u1", deviceId: "d1", ipAddress: "198.51.100.1", transactionKind: "TRANSFER", amountMinor: 150_000n, currency: "EUR" };
const facts: ObservedFacts = { velocity: {}, structuringCounts: new Map(), blocked: {}, now };
const amountRule = (id: string, thresholdMinor: bigint, decision: Rule["decision"], score: number, extra: Partial<Rule> = {}): Rule => ({
  id,
  kind: "AMOUNT_THRESHOLD",
  description: "",
  currency: "EUR",
  thresholdMinor,
  transactionKinds: [],
  decision,
  score,
  enabled: true,
  ...extra,
});

describe("evaluateRules", () => {
  test("no matching rule allows with score 0 and no reasons", () => {
    assert.deepEqual(evaluateRules([amountRule("a", 200_000n, "DENY", 500)], input, facts), { decision: "ALLOW", score: 0, reasons: [] });
  });

  test("the most severe decision wins whatever the order, scores add up capped at 1000", () => {
    const rules = [amountRule("a", 100_000n, "DENY", 600), amountRule("b", 100_000n, "REVIEW", 300), amountRule("c", 100_000n, "STEP_UP", 400)];
    const result = evaluateRules(rules, input, facts);
    assert.equal(result.decision, "DENY");
    assert.equal(result.score, 1000);
    assert.deepEqual(result.reasons.map((r) => r.ruleId), ["a", "b", "c"]);
    assert.equal(evaluateRules([rules[1]!, rules[2]!], input, facts).decision, "STEP_UP");
  });

  test("disabled rules, other currencies and other transaction kinds do not match", () => {
    const rules = [
      amountRule("off", 1n, "DENY", 1, { enabled: false }),
      amountRule("usd", 1n, "DENY", 1, { currency: "USD" }),
      amountRule("withdrawals", 1n, "DENY", 1, { transactionKinds: ["WITHDRAWAL"] }),
    ];
    assert.equal(evaluateRules(rules, input, facts).decision, "ALLOW");
  });

  test("reasons carry a human sentence", () => {
    const [reason] = evaluateRules([amountRule("a", 100_000n, "REVIEW", 10)], input, facts).reasons;
    assert.equal(reason?.message, "Amount 1500.00 EUR at or above 1000.00 EUR");
    assert.equal(formatMoney(5n, "EUR"), "0.05 EUR");
  });
});

describe("validateRule", () => {
  const refuses = (rule: Rule, field: string) =>
    assert.throws(() => validateRule(rule), (err) => err instanceof RiskError && err.reason === "INVALID_FIELD" && err.metadata.field === field);

  test("refuses what a kind needs but lacks", () => {
    refuses(amountRule("A", 1n, "DENY", 1), "rule.id");
    refuses(amountRule("a", 1n, "DENY", 1, { currency: "" }), "rule.currency");
    refuses(amountRule("a", 0n, "DENY", 1), "rule.threshold_amount");
    refuses(amountRule("a", 1n, "DENY", 1001), "rule.score");
    refuses({ ...amountRule("v", 1n, "DENY", 1), kind: "VELOCITY_COUNT", currency: "", scope: "USER", thresholdCount: 3 }, "rule.window");
    refuses({ ...amountRule("v", 1n, "DENY", 1), kind: "VELOCITY_COUNT", currency: "", windowMs: 60_000, thresholdCount: 3 }, "rule.scope");
    refuses({ ...amountRule("s", 1n, "DENY", 1), kind: "STRUCTURING", scope: "USER", windowMs: 60_000, thresholdCount: 3 }, "rule.margin_bps");
    refuses({ ...amountRule("n", 1n, "DENY", 1), kind: "NEW_DEVICE_LARGE_AMOUNT" }, "rule.device_age");
  });

  test("drops fields the kind ignores", () => {
    const rule = validateRule({ ...amountRule("b", 1n, "DENY", 1), kind: "BLOCKLIST", currency: "", scope: "IP", windowMs: 60_000, thresholdCount: 4 });
    assert.equal(rule.windowMs, undefined);
    assert.equal(rule.thresholdCount, undefined);
    assert.equal(rule.thresholdMinor, undefined);
  });

  test("structuring floor is threshold minus margin", () => {
    assert.equal(structuringFloor(1_000_000n, 1_000), 900_000n);
    assert.equal(structuringFloor(999n, 500), 950n);
  });
});

describe("blocklist matcher", () => {
  const entry = (kind: "USER" | "DEVICE" | "IP_ADDRESS" | "IP_RANGE", value: string, expiresAt?: Date) => ({
    id: value,
    kind,
    value,
    reason: `blocked ${value}`,
    expiresAt,
    createdAt: now,
    createdBy: "staff",
  });

  test("matches users, devices, addresses and CIDR ranges in force", () => {
    const matcher = createBlocklistMatcher([
      entry("USER", "u1"),
      entry("DEVICE", "d-old", new Date(now.getTime() - 1)),
      entry("IP_RANGE", "203.0.113.0/24"),
      entry("IP_ADDRESS", "2001:db8::1"),
    ]);
    assert.deepEqual(matcher.match({ userId: "u1", deviceId: "d-old", ipAddress: "203.0.113.200" }, now), { USER: "blocked u1", IP: "blocked 203.0.113.0/24" });
    assert.deepEqual(matcher.match({ userId: "u2", deviceId: "", ipAddress: "203.0.114.1" }, now), {});
    assert.deepEqual(matcher.match({ userId: "u2", deviceId: "", ipAddress: "2001:db8::1" }, now), { IP: "blocked 2001:db8::1" });
  });
});
