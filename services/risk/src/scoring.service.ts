import { randomUUID } from "node:crypto";
import type { RiskDeps } from "./context.js";
import { evaluateRules, type Assessment, type ScoreInput } from "./domain/evaluate.js";
import { structuringFloor } from "./domain/rules.js";
import type { StructuringBand } from "./storage/velocity-store.js";

/** An assessment with its id, as answered (and replayed for the same reference). */
export interface ScoredAssessment extends Assessment {
  readonly assessmentId: string;
}

/** Serialized form of a replayable assessment. */
interface CachedAssessment {
  readonly assessmentId: string;
  readonly decision: Assessment["decision"];
  readonly score: number;
  readonly reasons: Assessment["reasons"];
}

/**
 * Scores a movement: the same reference answers the same assessment (and
 * counts once); otherwise records the movement in the velocity windows,
 * gathers the facts (one Redis script, blocklist and rules from memory) and
 * evaluates the rules.
 */
export async function scoreTransaction(deps: RiskDeps, input: ScoreInput, referenceId: string): Promise<ScoredAssessment> {
  const started = performance.now();
  const answer = (assessment: ScoredAssessment): ScoredAssessment => {
    deps.metrics.observe(assessment, (performance.now() - started) / 1000);
    return assessment;
  };
  const replayKey = referenceId ? `${deps.config.redisPrefix}assessment:${referenceId}` : undefined;
  if (replayKey) {
    const cached = await deps.redis.get(replayKey);
    if (cached) return answer(JSON.parse(cached) as CachedAssessment);
  }
  const now = deps.clock();
  const snapshot = await deps.rules.current();
  const bands: StructuringBand[] = [];
  for (const rule of snapshot.rules) {
    if (rule.kind !== "STRUCTURING" || rule.currency !== input.currency) continue;
    const high = rule.thresholdMinor!;
    bands.push({ ruleId: rule.id, scope: rule.scope!, windowMs: rule.windowMs!, lowMinor: structuringFloor(high, rule.marginBps!), highMinor: high });
  }
  const observed = await deps.velocity.record(
    { reference: referenceId || randomUUID(), ...input },
    bands,
    now,
  );
  const assessment = evaluateRules(snapshot.rules, input, {
    ...observed,
    blocked: snapshot.blocklist.match(input, now),
    now,
  });
  const scored: ScoredAssessment = { assessmentId: randomUUID(), ...assessment };
  if (replayKey) {
    const cached: CachedAssessment = { assessmentId: scored.assessmentId, decision: scored.decision, score: scored.score, reasons: scored.reasons };
    // NX: when two calls with one reference race, the first answer stays the answer.
    const stored = await deps.redis.set(replayKey, JSON.stringify(cached), "PX", deps.config.assessmentRetentionMs, "NX");
    if (stored === null) {
      const first = await deps.redis.get(replayKey);
      if (first) return answer(JSON.parse(first) as CachedAssessment);
    }
  }
  return answer(scored);
}
