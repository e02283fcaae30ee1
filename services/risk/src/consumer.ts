/**
 * The risk-consumer worker: consumes ledger events (`ledger.#` on the events
 * exchange) once each through `createEventConsumer`, raising alerts for
 * high-value movements and movements posted under review in the same
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

const runtime = createProcessRuntime("risk-consumer", { extraConfig: riskConsumerConfigFields });
const { config, logger } = runtime;
const db = runtime.db as Kysely<RiskDatabase>;
const clock = () => new Date();
const rules = createRulesCache(db, clock, logger);

const consumer = createEventConsumer({
  amqpUrl: config.AMQP_URL,
  exchange: config.RISK_CONSUMER_EXCHANGE,
  queue: config.RISK_CONSUMER_QUEUE,
  bindings: RISK_CONSUMER_BINDINGS,
  consumer: RISK_CONSUMER_NAME,
  db,
  handle: createRiskEventHandler({ rules, fallbackThresholdMinor: BigInt(config.RISK_ALERT_HIGH_VALUE_MINOR), clock }),
  maxAttempts: config.RISK_CONSUMER_MAX_ATTEMPTS,
  retryDelayMs: config.RISK_CONSUMER_RETRY_DELAY,
  prefetch: config.RISK_CONSUMER_PREFETCH,
  logger,
  registry: runtime.metrics.registry,
});

await runWorkerProcess(
  runtime,
  async (signal) => {
    // Rule changes (thresholds) reach the consumer within one reload period.
    rules.startRefreshing(5_000, signal);
    await consumer.run(signal);
  },
  { readiness: [...runtime.readiness, consumer.readiness] },
);
