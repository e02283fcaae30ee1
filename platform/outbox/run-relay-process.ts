import { dbReadinessCheck } from "../db/index.js";
import { createProcessRuntime, runWorkerProcess } from "../runtime/index.js";
import { createOutboxRelay } from "./create-outbox-relay.js";
import { outboxRelayConfigShape } from "./relay-config.js";

/**
 * The whole of an outbox relay process (`ledger-outbox-relay`,
 * `identity-outbox-relay`...): reads the process's configuration with the
 * `OUTBOX_*` variables, opens the database its catalogue entry names, and
 * publishes that database's `outbox_events` rows of `producer` to the
 * RabbitMQ topic exchange `OUTBOX_EXCHANGE`, at least once, with publisher
 * confirms, until SIGTERM. Several may run at once. The admin port answers
 * /healthz, /readyz (database and RabbitMQ, with the reconnect state: Redis,
 * opened by the runtime, is not on a relay's path) and /metrics (the outbox_* metrics among the
 * process metrics).
 */
export async function runOutboxRelayProcess(processName: string, producer: string): Promise<void> {
  const runtime = createProcessRuntime(processName, { extraConfig: outboxRelayConfigShape });
  const { config, entry, logger } = runtime;
  if (!runtime.db) throw new Error(`${entry.name} needs its database: give it a databaseEnv in the mesh catalogue`);

  const relay = createOutboxRelay({
    db: runtime.db,
    amqpUrl: config.AMQP_URL,
    exchange: config.OUTBOX_EXCHANGE,
    producer,
    batchSize: config.OUTBOX_BATCH_SIZE,
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
    backoff: { baseMs: config.OUTBOX_BACKOFF_BASE_MS, maxMs: config.OUTBOX_BACKOFF_MAX_MS },
    reconnectMaxMs: config.AMQP_RECONNECT_MAX_MS,
    pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
    mandatory: config.OUTBOX_MANDATORY,
    logger,
    registry: runtime.metrics.registry,
  });

  await runWorkerProcess(runtime, (signal) => relay.run(signal), { readiness: [dbReadinessCheck(runtime.db), relay.readiness] });
}
