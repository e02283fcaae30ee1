/** Raising an alert from a consumed event: the row and its RiskAlertRaised, in the consumer's transaction. */
import { create } from "@bufbuild/protobuf";
import type { Transaction } from "kysely";
import { MoneySchema } from "#gen/wallet/common/v1/money_pb.js";
import type { EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import { RiskAlertRaisedSchema } from "#gen/wallet/events/v1/risk_events_pb.js";
import { AlertSeverity as AlertSeverityPb } from "#gen/wallet/risk/v1/alert_pb.js";
import { writeOutboxEvents } from "#platform/outbox/index.js";
import type { NewAlert } from "./domain/alert.js";
import { insertAlert } from "./storage/alerts.repository.js";
import type { RiskDatabase } from "./storage/risk.table.js";

/** The producer name of risk's own events. */
export const RISK_PRODUCER = "risk";

/**
 * Inserts the alert and writes its RiskAlertRaised to the outbox, caused by
 * `envelope`; nothing when the same event already raised an alert of this kind.
 */
export async function raiseAlert(trx: Transaction<RiskDatabase>, raised: NewAlert, envelope: EventEnvelope, now: Date): Promise<void> {
  const alert = await insertAlert(trx, raised, now);
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
}
