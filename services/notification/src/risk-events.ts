/**
 * Risk events as the SECURITY notifications they ask for: an alert about a
 * user's movement (it has a user and an amount) tells the user of a large
 * transaction. The alert's title and rules are for analysts, never shown.
 */
import type { EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import { intentFor, type NotificationIntent } from "./domain/notification-intent.js";
import { amountOf } from "./ledger-events.js";

/** The notifications a risk event asks for. */
export function riskNotificationsOf(envelope: EventEnvelope): NotificationIntent[] {
  const p = envelope.payload;
  if (p.case !== "riskAlertRaised") return [];
  // Alerts without a user or an amount (e.g. refresh-token reuse) are not about a transaction.
  if (p.value.userId === "" || !p.value.amount) return [];
  const values = { amount: amountOf(envelope, p.value.amount) };
  return [intentFor(envelope, p.value.userId, { category: "SECURITY", template: "large_transaction_alert", values })];
}
