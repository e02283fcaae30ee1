import type { Redis } from "ioredis";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { RiskDeps, RiskSettings } from "./context.js";
import type { Registry } from "prom-client";
import { createRulesCache } from "./rules-cache.js";
import { createScoringMetrics, noScoringMetrics } from "./scoring-metrics.js";
import type { RiskDatabase } from "./storage/risk.table.js";
import { createVelocityStore } from "./storage/velocity-store.js";

/** Wires risk's dependencies from its connections; `main.ts` and the test harness share it. */
export function createRiskDeps(parts: {
  db: Kysely<RiskDatabase>;
  redis: Redis;
  logger: Logger;
  settings: RiskSettings;
  clock?: () => Date;
  /** Where scoring's metrics go; none by default (tests). */
  registry?: Registry;
  deadLetterReplay?: { amqpUrl: string; queue: string };
}): RiskDeps {
  const clock = parts.clock ?? (() => new Date());
  return {
    db: parts.db,
    redis: parts.redis,
    logger: parts.logger,
    clock,
    rules: createRulesCache(parts.db, clock, parts.logger),
    velocity: createVelocityStore(parts.redis, parts.settings.redisPrefix),
    metrics: parts.registry ? createScoringMetrics(parts.registry) : noScoringMetrics,
    config: parts.settings,
    deadLetterReplay: parts.deadLetterReplay,
  };
}
