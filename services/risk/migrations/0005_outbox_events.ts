/** The transactional outbox (`outbox_events`), for RiskAlertRaised: the frozen platform migration. */
export { up, down } from "#platform/outbox/migrations/0001_outbox_events.js";
