/**
 * The risk-outbox-relay worker: publishes risk's events (RiskAlertRaised,
 * written by the consumer in the same transaction as the alert) from the
 * `outbox_events` table in OPS_RISK_DATABASE_URL to RabbitMQ, exactly as the
 * ledger's relay does; see `runOutboxRelayProcess`.
 */
import { runOutboxRelayProcess } from "#platform/outbox/index.js";

await runOutboxRelayProcess("risk-outbox-relay", "risk");
