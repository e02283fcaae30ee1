/** Kysely queries of approval requests. */
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Approval, ApprovalAction, ApprovalStatus } from "../domain/approvals.js";
import type { ApprovalRequestsTable, BackofficeDatabase } from "./backoffice.table.js";

type Db = Kysely<BackofficeDatabase> | Transaction<BackofficeDatabase>;

function toApproval(row: Selectable<ApprovalRequestsTable>): Approval {
  return {
    id: row.id,
    action: row.action as ApprovalAction,
    targetType: row.target_type,
    targetId: row.target_id,
    requestJson: row.request_json,
    requestDigest: row.request_digest,
    reasonCode: row.reason_code,
    justification: row.justification,
    ticketReference: row.ticket_reference,
    ...(row.amount_minor !== null && row.currency !== null ? { amount: { amountMinor: row.amount_minor, currency: row.currency } } : {}),
    makerId: row.maker_id,
    status: row.status,
    ...(row.checker_id !== null ? { checkerId: row.checker_id } : {}),
    decisionNote: row.decision_note,
    transactionId: row.transaction_id,
    failureReason: row.failure_reason,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...(row.decided_at !== null ? { decidedAt: row.decided_at } : {}),
  };
}

/** Marks pending requests for `action` on the target that expired by `now` as EXPIRED (frees the one-pending slot). */
export async function expireStale(trx: Db, action: string, targetType: string, targetId: string, now: Date): Promise<void> {
  await trx
    .updateTable("approval_requests")
    .set({ status: "EXPIRED", decided_at: now })
    .where("action", "=", action)
    .where("target_type", "=", targetType)
    .where("target_id", "=", targetId)
    .where("status", "=", "PENDING")
    .where("expires_at", "<=", now)
    .execute();
}

/** The pending request for `action` on the target, if any. */
export async function findPending(db: Db, action: string, targetType: string, targetId: string): Promise<Approval | undefined> {
  const row = await db
    .selectFrom("approval_requests")
    .selectAll()
    .where("action", "=", action)
    .where("target_type", "=", targetType)
    .where("target_id", "=", targetId)
    .where("status", "=", "PENDING")
    .executeTakeFirst();
  return row ? toApproval(row) : undefined;
}

/**
 * Inserts a new PENDING request; answers "already-pending" when one is
 * pending for the same action and target (the partial unique index decides,
 * so two concurrent makers cannot both insert; ON CONFLICT keeps the
 * transaction usable).
 */
export async function insertApproval(trx: Transaction<BackofficeDatabase>, approval: Approval): Promise<Approval | "already-pending"> {
  const inserted = await trx
      .insertInto("approval_requests")
      .values({
        id: approval.id,
        action: approval.action,
        target_type: approval.targetType,
        target_id: approval.targetId,
        request_json: approval.requestJson,
        request_digest: approval.requestDigest,
        reason_code: approval.reasonCode,
        justification: approval.justification,
        ticket_reference: approval.ticketReference,
        amount_minor: approval.amount?.amountMinor ?? null,
        currency: approval.amount?.currency ?? null,
        maker_id: approval.makerId,
        status: "PENDING",
        created_at: approval.createdAt,
        expires_at: approval.expiresAt,
      })
      .onConflict((oc) => oc.columns(["action", "target_type", "target_id"]).where("status", "=", "PENDING").doNothing())
      .returning("id")
      .executeTakeFirst();
  return inserted ? approval : "already-pending";
}

/** One request, locked for a decision until `trx` ends (a concurrent decision waits, then sees the outcome). */
export async function lockApproval(trx: Transaction<BackofficeDatabase>, id: string): Promise<Approval | undefined> {
  const row = await trx.selectFrom("approval_requests").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
  return row ? toApproval(row) : undefined;
}

/** One request. */
export async function getApproval(db: Db, id: string): Promise<Approval | undefined> {
  const row = await db.selectFrom("approval_requests").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toApproval(row) : undefined;
}

/** Records a decision (or expiry) on a request. */
export async function decideApproval(
  trx: Transaction<BackofficeDatabase>,
  id: string,
  decision: { status: Exclude<ApprovalStatus, "PENDING">; at: Date; checkerId?: string; note?: string; transactionId?: string; failureReason?: string },
): Promise<Approval> {
  const row = await trx
    .updateTable("approval_requests")
    .set({
      status: decision.status,
      decided_at: decision.at,
      ...(decision.checkerId !== undefined ? { checker_id: decision.checkerId } : {}),
      ...(decision.note !== undefined ? { decision_note: decision.note } : {}),
      ...(decision.transactionId !== undefined ? { transaction_id: decision.transactionId } : {}),
      ...(decision.failureReason !== undefined ? { failure_reason: decision.failureReason } : {}),
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toApproval(row);
}

/** Filters of ListApprovalRequests. */
export interface ApprovalFilter {
  readonly status?: ApprovalStatus;
  readonly action?: string;
  readonly makerId?: string;
  readonly targetId?: string;
}

/** A page of requests, newest first, after the cursor (created_at, id). */
export async function listApprovals(db: Db, filter: ApprovalFilter, page: { limit: number; after?: { createdAt: Date; id: string } }, now: Date): Promise<Approval[]> {
  let query = db.selectFrom("approval_requests").selectAll();
  // A pending request past its expiry is listed as expired, so filter on the status it shows.
  if (filter.status === "PENDING") query = query.where("status", "=", "PENDING").where("expires_at", ">", now);
  else if (filter.status === "EXPIRED") query = query.where((eb) => eb.or([eb("status", "=", "EXPIRED"), eb.and([eb("status", "=", "PENDING"), eb("expires_at", "<=", now)])]));
  else if (filter.status) query = query.where("status", "=", filter.status);
  if (filter.action) query = query.where("action", "=", filter.action);
  if (filter.makerId) query = query.where("maker_id", "=", filter.makerId);
  if (filter.targetId) query = query.where("target_id", "=", filter.targetId);
  if (page.after) {
    const { createdAt, id } = page.after;
    query = query.where((eb) => eb.or([eb("created_at", "<", createdAt), eb.and([eb("created_at", "=", createdAt), eb("id", "<", id)])]));
  }
  const rows = await query.orderBy("created_at", "desc").orderBy("id", "desc").limit(page.limit).execute();
  return rows.map(toApproval);
}
