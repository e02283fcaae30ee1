import { boolean, durationMs, httpUrl, minorUnits, positiveInt } from "#platform/config/index.js";
import type { LedgerSettings } from "./context.js";
import type { RiskOutagePolicy } from "./domain/risk-clearance.js";
import type { RiskScorerOptions } from "./risk/risk-scorer.js";

/** The ledger's own environment variables, merged into the mesh process config. */
export const ledgerConfigFields = {
  /** How long idempotency keys replay their result; default 24 h. */
  LEDGER_IDEMPOTENCY_RETENTION: durationMs(24 * 3_600_000),
  /** How long a request waits for an in-flight request with its key before ABORTED; default 5 s. */
  LEDGER_IDEMPOTENCY_WAIT: durationMs(5_000),
  /** Period of hold expiry and the key sweep; default 30 s, 0 turns the loop off. */
  LEDGER_MAINTENANCE_INTERVAL: durationMs(30_000),
  /** Most movements committed together by group commit; default 64 (1 turns batching off). */
  LEDGER_BATCH_MAX: positiveInt(64),
  /** Group commits in flight at once; default 2, so one batch is prepared while the other commits. */
  LEDGER_BATCH_CONCURRENCY: positiveInt(2),
  /** Score user-initiated transfers and withdrawals with risk; default true. */
  LEDGER_RISK_SCORING: boolean(true),
  /** The risk service; default the local mesh's http://127.0.0.1:8083. */
  RISK_URL: httpUrl("http://127.0.0.1:8083"),
  /** Deadline of one ScoreTransaction call; default 300 ms. */
  LEDGER_RISK_TIMEOUT: durationMs(300),
  /**
   * When risk cannot answer, movements below this many minor units go ahead
   * unscored (fail open) and larger ones are refused (fail closed); default
   * 10000 (100.00 in a two-decimal currency). 0 fails closed always.
   */
  LEDGER_RISK_FAIL_OPEN_BELOW: minorUnits(10_000n),
  /** Consecutive risk failures that open the breaker; default 5. */
  LEDGER_RISK_BREAKER_FAILURES: positiveInt(5),
  /** How long the open breaker skips risk before trying again; default 10 s. */
  LEDGER_RISK_BREAKER_HALF_OPEN: durationMs(10_000),
};

/** Settings from the parsed configuration. */
export function ledgerSettings(config: {
  LEDGER_IDEMPOTENCY_RETENTION: number;
  LEDGER_IDEMPOTENCY_WAIT: number;
  LEDGER_MAINTENANCE_INTERVAL: number;
  LEDGER_BATCH_MAX: number;
  LEDGER_BATCH_CONCURRENCY: number;
}): LedgerSettings {
  return {
    idempotencyRetentionMs: config.LEDGER_IDEMPOTENCY_RETENTION,
    idempotencyWaitMs: config.LEDGER_IDEMPOTENCY_WAIT,
    maintenanceIntervalMs: config.LEDGER_MAINTENANCE_INTERVAL,
    batchMax: config.LEDGER_BATCH_MAX,
    batchConcurrency: config.LEDGER_BATCH_CONCURRENCY,
  };
}

/** How the ledger calls risk and what it does when risk cannot answer. */
export function riskScoringSettings(config: {
  LEDGER_RISK_TIMEOUT: number;
  LEDGER_RISK_FAIL_OPEN_BELOW: bigint;
  LEDGER_RISK_BREAKER_FAILURES: number;
  LEDGER_RISK_BREAKER_HALF_OPEN: number;
}): { scorer: RiskScorerOptions; policy: RiskOutagePolicy } {
  return {
    scorer: {
      timeoutMs: config.LEDGER_RISK_TIMEOUT,
      breakerFailures: config.LEDGER_RISK_BREAKER_FAILURES,
      halfOpenAfterMs: config.LEDGER_RISK_BREAKER_HALF_OPEN,
    },
    policy: { failOpenBelowMinor: config.LEDGER_RISK_FAIL_OPEN_BELOW, defaultStepUpMaxAgeMs: DEFAULT_STEP_UP_MAX_AGE_MS },
  };
}

/** Step-up freshness when risk answers STEP_UP without a max age: 5 minutes. */
export const DEFAULT_STEP_UP_MAX_AGE_MS = 5 * 60_000;

/** Settings for tests and tools: the defaults. */
export const defaultLedgerSettings: LedgerSettings = {
  idempotencyRetentionMs: 24 * 3_600_000,
  idempotencyWaitMs: 5_000,
  maintenanceIntervalMs: 30_000,
  batchMax: 64,
  batchConcurrency: 2,
};
