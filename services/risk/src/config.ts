import { z } from "zod";
import { durationMs } from "#platform/config/index.js";
import type { RiskSettings } from "./context.js";

/** Risk's own environment variables, merged into the mesh process config. */
export const riskConfigFields = {
  /** Prefix of risk's Redis keys; default "risk:". */
  RISK_REDIS_PREFIX: z.string().min(1).default("risk:"),
  /** Period of the rules and blocklist reload; default 5 s, 0 turns it off. */
  RISK_RULES_REFRESH: durationMs(5_000),
  /** How fresh a second factor must be for STEP_UP; default 5 min. */
  RISK_STEP_UP_MAX_AGE: durationMs(300_000),
  /** How long an assessment is replayed for its reference; default 24 h. */
  RISK_ASSESSMENT_RETENTION: durationMs(86_400_000),
};

/** Settings from the parsed configuration. */
export function riskSettings(config: {
  RISK_REDIS_PREFIX: string;
  RISK_RULES_REFRESH: number;
  RISK_STEP_UP_MAX_AGE: number;
  RISK_ASSESSMENT_RETENTION: number;
}): RiskSettings {
  return {
    redisPrefix: config.RISK_REDIS_PREFIX,
    rulesRefreshMs: config.RISK_RULES_REFRESH,
    stepUpMaxAgeMs: config.RISK_STEP_UP_MAX_AGE,
    assessmentRetentionMs: config.RISK_ASSESSMENT_RETENTION,
  };
}

/** Settings for tests and tools: the defaults. */
export const defaultRiskSettings: RiskSettings = riskSettings(z.object(riskConfigFields).parse({}));
