/**
 * The ledger's side of risk scoring: one ScoreTransaction call per
 * user-initiated movement, bounded by a deadline and behind a
 * consecutive-failure circuit breaker (cockatiel), so that a risk outage
 * costs one fast "unavailable" verdict instead of a deadline per transfer.
 * Any failure is an outage here: the outage policy (domain/risk-clearance.ts)
 * decides what happens to the movement.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationMs as durationToMs } from "@bufbuild/protobuf/wkt";
import { ConnectError, type Client } from "@connectrpc/connect";
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from "cockatiel";
import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import { Decision } from "#gen/wallet/risk/v1/scoring_pb.js";
import type { RiskService, ScoreTransactionRequestSchema } from "#gen/wallet/risk/v1/risk_service_pb.js";
import type { RiskVerdict } from "../domain/risk-clearance.js";

/** How the scorer calls risk. */
export interface RiskScorerOptions {
  /** Deadline of one ScoreTransaction call. */
  readonly timeoutMs: number;
  /** Consecutive failures that open the breaker. */
  readonly breakerFailures: number;
  /** How long the open breaker answers "unavailable" before letting one call through. */
  readonly halfOpenAfterMs: number;
}

/** Asks risk about one movement. Never throws: no answer is an "unavailable" verdict. */
export interface RiskScorer {
  score(request: MessageInitShape<typeof ScoreTransactionRequestSchema>): Promise<RiskVerdict>;
}

const DECISION_NAMES = {
  [Decision.ALLOW]: "ALLOW",
  [Decision.REVIEW]: "REVIEW",
  [Decision.STEP_UP]: "STEP_UP",
  [Decision.DENY]: "DENY",
} as const;

/** The scorer over a RiskService client; metrics `ledger_risk_*` in `registry`. */
export function createRiskScorer(client: Client<typeof RiskService>, options: RiskScorerOptions, logger: Logger, registry?: Registry): RiskScorer {
  const registers = registry ? [registry] : [];
  const verdicts = new Counter({
    name: "ledger_risk_verdicts_total",
    help: "Risk verdicts on user-initiated movements: a decision, or unavailable (timeout, error, open breaker).",
    labelNames: ["verdict"] as const,
    registers,
  });
  const breakerState = new Gauge({ name: "ledger_risk_circuit_state", help: "Risk breaker: 0 closed, 1 open, 2 half-open.", registers });
  const breaker = circuitBreaker(handleAll, {
    breaker: new ConsecutiveBreaker(options.breakerFailures),
    halfOpenAfter: options.halfOpenAfterMs,
  });
  breaker.onStateChange((state) => {
    breakerState.set(state === CircuitState.Open ? 1 : state === CircuitState.HalfOpen ? 2 : 0);
    if (state === CircuitState.Open) logger.warn({ halfOpenAfterMs: options.halfOpenAfterMs }, "risk scoring breaker opened");
    if (state === CircuitState.Closed) logger.info("risk scoring breaker closed");
  });

  return {
    async score(request) {
      try {
        const response = await breaker.execute(() => client.scoreTransaction(request, { timeoutMs: options.timeoutMs }));
        const decision = DECISION_NAMES[response.decision as keyof typeof DECISION_NAMES];
        if (!decision) throw new Error(`risk answered decision ${response.decision}`);
        verdicts.inc({ verdict: decision });
        return {
          kind: "assessed",
          decision,
          assessmentId: response.assessmentId,
          ruleIds: response.reasons.map((reason) => reason.ruleId),
          stepUpMaxAgeMs: response.stepUpMaxAge ? durationToMs(response.stepUpMaxAge) : undefined,
        };
      } catch (err) {
        verdicts.inc({ verdict: "unavailable" });
        const cause = err instanceof BrokenCircuitError ? "breaker open" : err instanceof ConnectError ? `${err.code}: ${err.rawMessage}` : String(err);
        if (!(err instanceof BrokenCircuitError)) logger.warn({ cause }, "risk scoring failed");
        return { kind: "unavailable", cause };
      }
    },
  };
}
