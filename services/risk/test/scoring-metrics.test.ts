/** Scoring's metrics: decisions by outcome and matched rules by id, as Prometheus scrapes them. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { RuleKind } from "#gen/wallet/risk/v1/rule_pb.js";
import { Decision, money, transfer, useRisk } from "./support/risk-harness.js";

const registry = new Registry();
const risk = useRisk({ registry });

async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)!.get();
  const match = metric.values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
  return match?.value ?? 0;
}

test("each answered assessment counts under its decision, and each matched rule under its id", async () => {
  const { client, scorer, setRules } = await risk();
  await setRules([{ id: "amount.review", kind: RuleKind.AMOUNT_THRESHOLD, currency: "EUR", thresholdAmount: money(50_000n), decision: Decision.REVIEW, score: 200 }]);
  await scorer.scoreTransaction(transfer(100n));
  await scorer.scoreTransaction(transfer(60_000n));
  await scorer.scoreTransaction(transfer(70_000n));
  assert.equal(await counter("risk_decisions_total", { decision: "ALLOW" }), 1);
  assert.equal(await counter("risk_decisions_total", { decision: "REVIEW" }), 2);
  assert.equal(await counter("risk_rule_matches_total", { rule_id: "amount.review", decision: "REVIEW" }), 2);
  const durations = await registry.getSingleMetric("risk_scoring_duration_seconds")!.get();
  assert.equal((durations.values as Array<{ metricName?: string; labels: Record<string, unknown>; value: number }>).find((v) => v.metricName === "risk_scoring_duration_seconds_count" && v.labels.decision === "REVIEW")?.value, 2);
});
