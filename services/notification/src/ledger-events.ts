/**
 * Ledger events as the TRANSACTIONS notifications they ask for. One
 * TransferPosted tells two users: the payer under the envelope's event id,
 * the payee under `${eventId}:received`, so (event_id, channel) stays unique
 * in `notifications` even when both are the same user. System accounts
 * (empty user id) are told nothing. A staff AdjustmentPosted tells the
 * wallet's owner what was credited or debited and the balance after it (not
 * staff's reason text: the statement line carries it).
 */
import type { Money } from "#gen/wallet/common/v1/money_pb.js";
import type { EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import { EntryDirection } from "#gen/wallet/ledger/v1/transaction_pb.js";
import { UnprocessableEventError } from "./domain/event-errors.js";
import type { MoneyValue } from "./domain/format-money.js";
import { intentFor, type NotificationIntent } from "./domain/notification-intent.js";

/** The payee's notification id suffix on a TransferPosted. */
export const RECEIVED_SUFFIX = ":received";

/** A positive amount in a known ISO-4217 currency, or the event is unprocessable. */
export function amountOf(envelope: EventEnvelope, amount: Money | undefined): MoneyValue {
  if (!amount || !/^[A-Z]{3}$/.test(amount.currency) || amount.amountMinor < 0n) {
    throw new UnprocessableEventError(`${envelope.eventType} ${envelope.eventId} has no valid amount`);
  }
  return { amountMinor: amount.amountMinor, currency: amount.currency };
}

/** A balance in a known ISO-4217 currency (of any sign), or the event is unprocessable. */
function balanceOf(envelope: EventEnvelope, balance: Money | undefined): MoneyValue {
  if (!balance || !/^[A-Z]{3}$/.test(balance.currency)) throw new UnprocessableEventError(`${envelope.eventType} ${envelope.eventId} has no valid balance_after`);
  return { amountMinor: balance.amountMinor, currency: balance.currency };
}

/** The template of an adjustment in `direction`, or the event is unprocessable. */
function adjustmentTemplate(envelope: EventEnvelope, direction: EntryDirection): "adjustment_credited" | "adjustment_debited" {
  if (direction === EntryDirection.CREDIT) return "adjustment_credited";
  if (direction === EntryDirection.DEBIT) return "adjustment_debited";
  throw new UnprocessableEventError(`${envelope.eventType} ${envelope.eventId} has no direction`);
}

/** The notifications a ledger event asks for. */
export function ledgerNotificationsOf(envelope: EventEnvelope): NotificationIntent[] {
  const p = envelope.payload;
  switch (p.case) {
    case "transferPosted": {
      const v = p.value;
      const values = { amount: amountOf(envelope, v.amount), transaction_id: v.transactionId };
      const intents: NotificationIntent[] = [];
      if (v.fromUserId !== "") intents.push(intentFor(envelope, v.fromUserId, { category: "TRANSACTIONS", template: "transfer_sent", values }));
      if (v.toUserId !== "") {
        const source = { eventId: `${envelope.eventId}${RECEIVED_SUFFIX}`, eventType: envelope.eventType };
        intents.push(intentFor(source, v.toUserId, { category: "TRANSACTIONS", template: "transfer_received", values }));
      }
      return intents;
    }
    case "refundPosted": {
      // The refunded user owns the credited account (the original source).
      const v = p.value;
      if (v.toUserId === "") return [];
      const values = { amount: amountOf(envelope, v.amount), transaction_id: v.transactionId };
      return [intentFor(envelope, v.toUserId, { category: "TRANSACTIONS", template: "refund_received", values })];
    }
    case "adjustmentPosted": {
      const v = p.value;
      if (v.ownerUserId === "") return [];
      const values = { amount: amountOf(envelope, v.amount), balance: balanceOf(envelope, v.balanceAfter), transaction_id: v.transactionId };
      return [intentFor(envelope, v.ownerUserId, { category: "TRANSACTIONS", template: adjustmentTemplate(envelope, v.direction), values })];
    }
    default:
      return [];
  }
}
