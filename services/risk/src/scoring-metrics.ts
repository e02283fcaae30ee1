import { Counter, Histogram, type Registry } from "prom-client";
import type { Assessment } from "./domain/evaluate.js";

/** What scoring counts: decisions by outcome, matched rules by id, and how long a decision takes. */
export interface ScoringMetrics {
  /** Counts one answered assessment (replays of a reference included: each is an answer). */
  observe(assessment: Pick<Assessment, "decision" | "reasons">, seconds: number): void;
}

/**
 * `risk_decisions_total{decision}`, `risk_rule_matches_total{rule_id,decision}`
 * and `risk_scoring_duration_seconds{decision}` in `registry`. Rule ids are
 * analysts' data, but a handful per deployment, so they make a bounded label.
 */
export function createScoringMetrics(registry: Registry): ScoringMetrics {
  const decisions = new Counter({ name: "risk_decisions_total", help: "Risk assessments answered, by decision.", labelNames: ["decision"] as const, registers: [registry] });
  const matches = new Counter({
    name: "risk_rule_matches_total",
    help: "Rules matched by answered assessments, by rule id and the rule's own decision.",
    labelNames: ["rule_id", "decision"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "risk_scoring_duration_seconds",
    help: "Time to score one movement inside the risk service (Redis script and rule evaluation), by decision.",
    labelNames: ["decision"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [registry],
  });
  return {
    observe(assessment, seconds) {
      decisions.inc({ decision: assessment.decision });
      duration.observe({ decision: assessment.decision }, seconds);
      for (const reason of assessment.reasons) matches.inc({ rule_id: reason.ruleId, decision: reason.decision });
    },
  };
}

/** Metrics that go nowhere, for tests and tools that do not scrape. */
export const noScoringMetrics: ScoringMetrics = { observe() {} };
