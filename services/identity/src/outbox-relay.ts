/**
 * The identity-outbox-relay worker: publishes identity's events (user
 * registered, login from a new device, MFA enrolled...) from the
 * `outbox_events` table in IDENTITY_DATABASE_URL to RabbitMQ, exactly as the
 * ledger's relay does; see `runOutboxRelayProcess`.
 */
import { runOutboxRelayProcess } from "#platform/outbox/index.js";

await runOutboxRelayProcess("identity-outbox-relay", "identity");
