/**
 * The notification-consumer worker: consumes the identity, ledger and risk
 * events in NOTIFICATION_CONSUMER_BINDINGS once each through
 * `createEventConsumer`, keeping the recipient record and queueing
 * notifications in the same transaction as `processed_events`; retries with
 * backoff (an event for a user not registered here yet waits for the
 * UserRegistered), then `dead_letter_events` (replayed with
 * `npm run notification:replay-events`).
 *
 * Nothing is cached: templates are constants and preferences are read per
 * event, so there is nothing to load before consuming (the risk consumer
 * loads its rules first because a first load inside handlers would wait for
 * a pool connection while up to `prefetch` transactions hold them all).
 */
import type { Kysely } from "kysely";
import { createEventConsumer } from "#platform/consumer/index.js";
import { createProcessRuntime, runWorkerProcess } from "#platform/runtime/index.js";
import { NOTIFICATION_CONSUMER_BINDINGS, notificationConsumerConfigFields } from "./consumer-config.js";
import { createNotificationEventHandler, NOTIFICATION_CONSUMER_NAME } from "./event-handler.js";
import type { NotificationDatabase } from "./storage/notification.table.js";

const runtime = createProcessRuntime("notification-consumer", { extraConfig: notificationConsumerConfigFields });
const { config, logger } = runtime;
const db = runtime.db as Kysely<NotificationDatabase>;

const consumer = createEventConsumer({
  amqpUrl: config.AMQP_URL,
  exchange: config.NOTIFICATION_CONSUMER_EXCHANGE,
  queue: config.NOTIFICATION_CONSUMER_QUEUE,
  bindings: NOTIFICATION_CONSUMER_BINDINGS,
  consumer: NOTIFICATION_CONSUMER_NAME,
  db,
  handle: createNotificationEventHandler({ clock: () => new Date(), logger }),
  maxAttempts: config.NOTIFICATION_CONSUMER_MAX_ATTEMPTS,
  retryDelayMs: config.NOTIFICATION_CONSUMER_RETRY_DELAY,
  prefetch: config.NOTIFICATION_CONSUMER_PREFETCH,
  reconnectMaxMs: config.AMQP_RECONNECT_MAX_MS,
  logger,
  registry: runtime.metrics.registry,
});

await runWorkerProcess(runtime, (signal) => consumer.run(signal), { readiness: [...runtime.readiness, consumer.readiness] });
