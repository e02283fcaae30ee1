/**
 * The ledger-outbox-relay worker: publishes the ledger's outbox rows
 * (`outbox_events` in LEDGER_DATABASE_URL) to the RabbitMQ topic exchange
 * OUTBOX_EXCHANGE, at least once, with publisher confirms. Several may run
 * at once. Its admin port answers /healthz, /readyz (database and RabbitMQ)
 * and /metrics (the outbox_* metrics among the process metrics).
 */
import { dbReadinessCheck } from "#platform/db/index.js";
import { createOutboxRelay, outboxRelayConfigShape } from "#platform/outbox/index.js";
import { createProcessRuntime, runWorkerProcess } from "#platform/runtime/index.js";

const runtime = createProcessRuntime("ledger-outbox-relay", { extraConfig: outboxRelayConfigShape });
const { config, entry, logger } = runtime;
if (!runtime.db) throw new Error(`${entry.name} needs its database`);

const relay = createOutboxRelay({
  db: runtime.db,
  amqpUrl: config.AMQP_URL,
  exchange: config.OUTBOX_EXCHANGE,
  producer: "ledger",
  batchSize: config.OUTBOX_BATCH_SIZE,
  maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
  backoff: { baseMs: config.OUTBOX_BACKOFF_BASE_MS, maxMs: config.OUTBOX_BACKOFF_MAX_MS },
  pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
  mandatory: config.OUTBOX_MANDATORY,
  logger,
  registry: runtime.metrics.registry,
});

// The relay needs its database and RabbitMQ; Redis (opened by the runtime) is not on its path.
await runWorkerProcess(runtime, (signal) => relay.run(signal), { readiness: [dbReadinessCheck(runtime.db), relay.readiness] });
