/**
 * The ledger-outbox-relay worker: publishes the ledger's outbox rows
 * (`outbox_events` in LEDGER_DATABASE_URL) to RabbitMQ; see `runOutboxRelayProcess`.
 */
import { runOutboxRelayProcess } from "#platform/outbox/index.js";

await runOutboxRelayProcess("ledger-outbox-relay", "ledger");
