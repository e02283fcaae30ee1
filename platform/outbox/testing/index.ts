export { collectEvents, type CollectedEvent, type EventCollector } from "./event-collector.js";
export { startTestRelay, type TestRelay } from "./start-test-relay.js";
export { outboxEnvelope } from "./outbox-envelope.js";
