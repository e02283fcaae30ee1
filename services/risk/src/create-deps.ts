import type { Redis } from "ioredis";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { RiskDeps, RiskSettings } from "./context.js";
import { createRulesCache } from "./rules-cache.js";
import type { RiskDatabase } from "./storage/risk.table.js";
import { createVelocityStore } from "./storage/velocity-store.js";

/** Wires risk's dependencies from its connections; `main.ts` and the test harness share it. */
export function createRiskDeps(parts: {
  db: Kysely<RiskDatabase>;
  redis: Redis;
  logger: Logger;
  settings: RiskSettings;
  clock?: () => Date;
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
    config: parts.settings,
    deadLetterReplay: parts.deadLetterReplay,
  };
}
