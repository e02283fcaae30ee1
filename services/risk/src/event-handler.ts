/**
 * What the risk consumer does with one event, inside the transaction that
 * records it processed: a posted movement at or above the high-value
 * threshold (or posted under review) raises an alert, and a RiskAlertRaised
 * event through the outbox in the same transaction. Other events change nothing.
 */
import { create } from "@bufbuild/protobuf";
import type { Transaction } from "kysely";
import { MoneySchema } from "#gen/wallet/common/v1/money_pb.js";
import type { EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import { RiskAlertRaisedSchema } from "#gen/wallet/events/v1/risk_events_pb.js";
import { AlertSeverity as AlertSeverityPb } from "#gen/wallet/risk/v1/alert_pb.js";
import { writeOutboxEvents } from "#platform/outbox/index.js";
import { alertForMovement, type PostedMovement } from "./domain/alert.js";
import type { RulesCache } from "./rules-cache.js";
import { insertAlert } from "./storage/alerts.repository.js";
import type { RiskDatabase } from "./storage/risk.table.js";

/** The consumer name in `processed_events`, `dead_letter_events` and the metrics. */
export const RISK_CONSUMER_NAME = "ops-risk";
/** The producer name of risk's own events. */
export const RISK_PRODUCER = "risk";

/** What the handler needs. */
export interface RiskEventHandlerDeps {
  readonly rules: RulesCache;
  /** High-value threshold (minor units) for currencies without an AMOUNT_THRESHOLD rule. */
  readonly fallbackThresholdMinor: bigint;
  readonly clock: () => Date;
}

/** Thrown for an event that cannot be handled as it stands (it is retried, then dead-lettered). */
export class UnprocessableEventError extends Error {
  override readonly name = "UnprocessableEventError";
}

/** The posted movement an event describes, if it is one. */
export function movementOf(envelope: EventEnvelope): PostedMovement | undefined {
  const p = envelope.payload;
  const money = (m: { amountMinor: bigint; currency: string } | undefined, what: string) => {
    if (!m || !/^[A-Z]{3}$/.test(m.currency) || m.amountMinor < 0n) throw new UnprocessableEventError(`${envelope.eventType} ${envelope.eventId} has no valid ${what}`);
    return { amountMinor: m.amountMinor, currency: m.currency };
  };
  switch (p.case) {
    case "transferPosted":
      return {
        kind: "TRANSFER",
        transactionId: p.value.transactionId,
        userId: p.value.fromUserId,
        accountId: p.value.fromAccountId,
        ...money(p.value.amount, "amount"),
        underReview: p.value.underReview,
      };
    case "withdrawalPosted":
      return {
        kind: "WITHDRAWAL",
        transactionId: p.value.transactionId,
        userId: p.value.ownerUserId,
        accountId: p.value.accountId,
        ...money(p.value.amount, "amount"),
        underReview: false,
      };
    case "topUpPosted":
      return {
        kind: "TOP_UP",
        transactionId: p.value.transactionId,
        userId: p.value.ownerUserId,
        accountId: p.value.accountId,
        ...money(p.value.amount, "amount"),
        underReview: false,
      };
    default:
      return undefined;
  }
}

/** The consumer's `handle`: effects in `trx`, the transaction that records the event processed. */
export function createRiskEventHandler(deps: RiskEventHandlerDeps): (envelope: EventEnvelope, trx: Transaction<any>) => Promise<void> {
  return async (envelope, trx) => {
    const movement = movementOf(envelope);
    if (!movement) return;
    const { rules } = await deps.rules.current();
    const raised = alertForMovement(movement, rules, deps.fallbackThresholdMinor, envelope.eventId);
    if (!raised) return;
    const alert = await insertAlert(trx as Transaction<RiskDatabase>, raised, deps.clock());
    if (!alert) return;
    await writeOutboxEvents(trx, RISK_PRODUCER, [
      {
        aggregateType: "alert",
        aggregateId: alert.id,
        correlationId: envelope.correlationId,
        causationId: envelope.eventId,
        payload: {
          case: "riskAlertRaised",
          value: create(RiskAlertRaisedSchema, {
            alertId: alert.id,
            severity: AlertSeverityPb[alert.severity],
            title: alert.title,
            userId: alert.userId,
            accountId: alert.accountId,
            transactionId: alert.transactionId,
            amount: alert.amount ? create(MoneySchema, alert.amount) : undefined,
            ruleIds: [...alert.ruleIds],
          }),
        },
      },
    ]);
  };
}
