import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Redis } from "ioredis";
import type { RulesCache } from "./rules-cache.js";
import type { ScoringMetrics } from "./scoring-metrics.js";
import type { RiskDatabase } from "./storage/risk.table.js";
import type { VelocityStore } from "./storage/velocity-store.js";

/** What risk's use cases depend on. */
export interface RiskDeps {
  readonly db: Kysely<RiskDatabase>;
  readonly redis: Redis;
  readonly logger: Logger;
  /** The current time (velocity windows, device age, blocklist expiry). */
  readonly clock: () => Date;
  readonly rules: RulesCache;
  readonly velocity: VelocityStore;
  readonly metrics: ScoringMetrics;
  readonly config: RiskSettings;
  /** Where ReplayDeadLetters puts the consumer's dead letters back; unset: that RPC answers FAILED_PRECONDITION. */
  readonly deadLetterReplay?: { readonly amqpUrl: string; readonly queue: string };
}

/** Risk's own settings (see config.ts). */
export interface RiskSettings {
  /** Prefix of every Redis key risk writes. */
  readonly redisPrefix: string;
  /** How often each replica reloads rules and blocklist; 0 disables the loop. */
  readonly rulesRefreshMs: number;
  /** STEP_UP's max age of the second factor (RFC 9470 max_age). */
  readonly stepUpMaxAgeMs: number;
  /** How long a reference's answer is replayed. */
  readonly assessmentRetentionMs: number;
}
