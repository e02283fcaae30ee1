export { writeOutboxEvents, type NewOutboxEvent } from "./write-outbox-events.js";
export { eventTypeOf, routingKeyOf, type EventPayload } from "./event-routing.js";
export type { OutboxDatabase, OutboxEventsTable, OutboxStatus } from "./outbox.table.js";
export { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from "./create-outbox-relay.js";
export { replayDeadOutboxEvents, type ReplayDeadOutboxEventsOptions } from "./replay-dead-outbox-events.js";
export { readOutboxBacklog, type OutboxBacklog } from "./outbox.repository.js";
export { outboxRelayConfigShape } from "./relay-config.js";
export { backoffCeilingMs, fullJitterDelayMs, type BackoffPolicy } from "./backoff.js";
export {
  amqpReconnectConfigShape,
  createReconnectBackoff,
  DEFAULT_AMQP_RECONNECT_MAX_MS,
  type ReconnectBackoff,
  type ReconnectStatus,
} from "./reconnect-backoff.js";
export { EVENT_CONTENT_TYPE } from "./amqp-publisher.js";
export { runOutboxRelayProcess } from "./run-relay-process.js";
