import type { Kysely, Selectable, Transaction } from "kysely";
import type { Alert, AlertKind, AlertResolution, AlertSeverity, AlertStatus, NewAlert } from "../domain/alert.js";
import { RiskError } from "../domain/risk-error.js";
import type { RiskAlertsTable, RiskDatabase } from "./risk.table.js";

type Db = Kysely<RiskDatabase> | Transaction<RiskDatabase>;

/** A row as a domain alert. */
function toAlert(row: Selectable<RiskAlertsTable>): Alert {
  return {
    id: row.id,
    kind: row.kind as AlertKind,
    severity: row.severity as AlertSeverity,
    status: row.status as AlertStatus,
    title: row.title,
    userId: row.user_id,
    accountId: row.account_id,
    transactionId: row.transaction_id,
    amount: row.amount_minor !== null && row.currency !== null ? { amountMinor: BigInt(row.amount_minor), currency: row.currency } : undefined,
    ruleIds: row.rule_ids,
    sourceEventId: row.source_event_id ?? undefined,
    createdAt: row.created_at,
    acknowledgedAt: row.acknowledged_at ?? undefined,
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: row.resolved_at ?? undefined,
    resolvedBy: row.resolved_by,
    resolution: (row.resolution ?? undefined) as AlertResolution | undefined,
    resolutionNote: row.resolution_note,
  };
}

/**
 * Raises an alert; undefined when one of this kind already exists for the
 * same source event (a replayed or redelivered event raises nothing twice).
 */
export async function insertAlert(db: Db, alert: NewAlert, now: Date): Promise<Alert | undefined> {
  const row = await db
    .insertInto("risk_alerts")
    .values({
      kind: alert.kind,
      severity: alert.severity,
      status: "OPEN",
      title: alert.title,
      user_id: alert.userId,
      account_id: alert.accountId,
      transaction_id: alert.transactionId,
      amount_minor: alert.amount?.amountMinor ?? null,
      currency: alert.amount?.currency ?? null,
      rule_ids: [...alert.ruleIds],
      source_event_id: alert.sourceEventId ?? null,
      created_at: now,
      acknowledged_at: null,
      acknowledged_by: "",
      resolved_at: null,
      resolved_by: "",
      resolution: null,
      resolution_note: "",
    })
    .onConflict((oc) => oc.columns(["source_event_id", "kind"]).where("source_event_id", "is not", null).doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ? toAlert(row) : undefined;
}

/** One alert. Errors: ALERT_NOT_FOUND. */
export async function getAlert(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<Alert> {
  let query = db.selectFrom("risk_alerts").selectAll().where("id", "=", id);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new RiskError("ALERT_NOT_FOUND", `alert ${id} does not exist`, { alert_id: id });
  return toAlert(row);
}

/** Stores an alert's handling fields (status, acknowledgement, resolution). */
export async function saveAlertHandling(db: Db, alert: Alert): Promise<Alert> {
  const row = await db
    .updateTable("risk_alerts")
    .set({
      status: alert.status,
      acknowledged_at: alert.acknowledgedAt ?? null,
      acknowledged_by: alert.acknowledgedBy,
      resolved_at: alert.resolvedAt ?? null,
      resolved_by: alert.resolvedBy,
      resolution: alert.resolution ?? null,
      resolution_note: alert.resolutionNote,
    })
    .where("id", "=", alert.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAlert(row);
}

/** Loads an alert locked, applies `change`, stores the result (one transaction). */
export async function updateAlert(db: Kysely<RiskDatabase>, id: string, change: (alert: Alert) => Alert): Promise<Alert> {
  return db.transaction().execute(async (trx) => {
    const current = await getAlert(trx, id, { forUpdate: true });
    const next = change(current);
    return next === current ? current : saveAlertHandling(trx, next);
  });
}

/** A page of alerts, newest first, after the (createdAt, id) cursor. */
export async function listAlerts(
  db: Db,
  filter: {
    status?: AlertStatus;
    severity?: AlertSeverity;
    userId?: string;
    from?: Date;
    to?: Date;
    after?: { createdAt: Date; id: string };
    limit: number;
  },
): Promise<Alert[]> {
  let query = db.selectFrom("risk_alerts").selectAll().orderBy("created_at", "desc").orderBy("id", "desc").limit(filter.limit);
  if (filter.status) query = query.where("status", "=", filter.status);
  if (filter.severity) query = query.where("severity", "=", filter.severity);
  if (filter.userId !== undefined) query = query.where("user_id", "=", filter.userId);
  if (filter.from) query = query.where("created_at", ">=", filter.from);
  if (filter.to) query = query.where("created_at", "<", filter.to);
  const after = filter.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([eb("created_at", "<", after.createdAt), eb.and([eb("created_at", "=", after.createdAt), eb("id", "<", after.id)])]),
    );
  }
  return (await query.execute()).map(toAlert);
}
