/**
 * The risk-consumer worker: consumes ledger and identity events (see
 * RISK_CONSUMER_BINDINGS) on the events exchange once each through
 * `createEventConsumer`: posted movements feed the velocity windows, devices
 * seen at login feed the new-device rule, and alerts (high-value movements,
 * movements posted under review, refresh-token reuse) are raised in the same
 * transaction as `processed_events`; retries with backoff, then
 * `dead_letter_events` (replayed with `npm run risk:replay-dead-letters`).
 */
import type { Kysely } from "kysely";
import { createEventConsumer } from "#platform/consumer/index.js";
import { createProcessRuntime, runWorkerProcess } from "#platform/runtime/index.js";
import { RISK_CONSUMER_BINDINGS, riskConsumerConfigFields } from "./consumer-config.js";
import { createRiskEventHandler, RISK_CONSUMER_NAME } from "./event-handler.js";
import { createRulesCache } from "./rules-cache.js";
import type { RiskDatabase } from "./storage/risk.table.js";
import { createVelocityStore } from "./storage/velocity-store.js";

const runtime = createProcessRuntime("risk-consumer", { extraConfig: riskConsumerConfigFields });
const { config, logger } = runtime;
const db = runtime.db as Kysely<RiskDatabase>;
const clock = () => new Date();
const rules = createRulesCache(db, clock, logger);
// Same Redis and prefix as the risk API (create-deps.ts), so scoring reads what the consumer writes.
const velocity = createVelocityStore(runtime.redis, config.RISK_REDIS_PREFIX);

const consumer = createEventConsumer({
  amqpUrl: config.AMQP_URL,
  exchange: config.RISK_CONSUMER_EXCHANGE,
  queue: config.RISK_CONSUMER_QUEUE,
  bindings: RISK_CONSUMER_BINDINGS,
  consumer: RISK_CONSUMER_NAME,
  db,
  handle: createRiskEventHandler({ rules, velocity, fallbackThresholdMinor: BigInt(config.RISK_ALERT_HIGH_VALUE_MINOR), clock }),
  maxAttempts: config.RISK_CONSUMER_MAX_ATTEMPTS,
  retryDelayMs: config.RISK_CONSUMER_RETRY_DELAY,
  prefetch: config.RISK_CONSUMER_PREFETCH,
  reconnectMaxMs: config.AMQP_RECONNECT_MAX_MS,
  logger,
  registry: runtime.metrics.registry,
});

await runWorkerProcess(
  runtime,
  async (signal) => {
    // Loaded before consuming: a first load inside handlers would need a pool
    // connection while up to `prefetch` transactions hold them all.
    await rules.current();
    // Rule changes (thresholds) reach the consumer within one reload period.
    rules.startRefreshing(5_000, signal);
    await consumer.run(signal);
  },
  { readiness: [...runtime.readiness, consumer.readiness] },
);
