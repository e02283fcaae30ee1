export { createEventConsumer, type EventConsumer, type EventConsumerOptions } from "./create-event-consumer.js";
export {
  replayDeadLetters,
  replayDeadLettersToQueue,
  createQueueReplayPublisher,
  type ReplayDeadLettersOptions,
  type ReplayToQueueOptions,
  type DeadLetterPublisher,
  type QueueReplayPublisher,
} from "./replay-dead-letters.js";
export type { DeadLetter } from "./consumer.repository.js";
export type { ConsumerDatabase, ProcessedEventsTable, DeadLetterEventsTable } from "./consumer.table.js";
export { consumerTopology, topologyNames, retryDelayMs, type ConsumerTopology } from "./consumer-topology.js";
export { amqpReconnectConfigShape, DEFAULT_AMQP_RECONNECT_MAX_MS } from "../outbox/reconnect-backoff.js";
