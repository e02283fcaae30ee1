/**
 * The notification-delivery worker: claims queued email, SMS and push
 * notifications, sends them through SMTP and the signed HTTP gateways with
 * retries (full-jitter backoff), a circuit breaker per provider, a per-user
 * rate cap in Redis, and dead letters after NOTIFICATION_MAX_ATTEMPTS
 * (replayed with `npm run notification:replay` or ReplayDeadLetters).
 * Health, readiness and metrics on its admin port.
 */
import type { Kysely } from "kysely";
import { createProcessRuntime, runWorkerProcess } from "#platform/runtime/index.js";
import { createProviders } from "./delivery/create-providers.js";
import { deliveryConfigFields } from "./delivery/delivery-config.js";
import { createDeliveryWorker } from "./delivery/delivery-worker.js";
import { createUserRateCap } from "./delivery/user-rate-cap.js";
import type { NotificationDatabase } from "./storage/notification.table.js";

const runtime = createProcessRuntime("notification-delivery", { extraConfig: deliveryConfigFields });
const { config, logger } = runtime;
const db = runtime.db as Kysely<NotificationDatabase>;

let providers: ReturnType<typeof createProviders>;
try {
  providers = createProviders(config, db);
} catch (err) {
  console.error(`invalid configuration: ${(err as Error).message}`);
  process.exit(1);
}
if (!config.NOTIFICATION_SMS_SIGNING_SECRET || !config.NOTIFICATION_PUSH_SIGNING_SECRET) {
  logger.warn("a gateway signing secret is not set: using the public development key (refused in production)");
}

const worker = createDeliveryWorker({
  db,
  providers: providers.byChannel,
  rateCap: createUserRateCap({
    redis: runtime.redis,
    prefix: config.NOTIFICATION_REDIS_PREFIX,
    limit: config.NOTIFICATION_USER_RATE_LIMIT,
    windowMs: config.NOTIFICATION_USER_RATE_WINDOW,
  }),
  logger,
  registry: runtime.metrics.registry,
  batchSize: config.NOTIFICATION_BATCH_SIZE,
  maxAttempts: config.NOTIFICATION_MAX_ATTEMPTS,
  backoff: { baseMs: config.NOTIFICATION_RETRY_BASE_DELAY, maxMs: config.NOTIFICATION_RETRY_MAX_DELAY },
  pollIntervalMs: config.NOTIFICATION_POLL_INTERVAL,
  sendTimeoutMs: config.NOTIFICATION_SEND_TIMEOUT,
  breaker: { failures: config.NOTIFICATION_BREAKER_FAILURES, halfOpenAfterMs: config.NOTIFICATION_BREAKER_HALF_OPEN },
});

await runWorkerProcess(runtime, async (signal) => {
  try {
    await worker.run(signal);
  } finally {
    providers.smtp.close();
  }
});
