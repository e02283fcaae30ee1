/**
 * Four-eyes approval: an action whose access policy says so is stored as a
 * PENDING approval request instead of being carried out; a second staff
 * member holding the approver role approves it (the stored request then runs
 * exactly once) or rejects it; the maker may cancel it; it expires unless
 * decided. Each step writes its audit entry in the same transaction as the
 * change to the request.
 */
import { create, fromJsonString, toJsonString, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type CallOptions } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { randomUUID } from "node:crypto";
import type { Transaction } from "kysely";
import { errorInfoOf } from "#platform/clients/index.js";
import {
  AdjustBalanceRequestSchema,
  AdjustmentDirection,
  GrantRoleRequestSchema,
  IssueRefundRequestSchema,
  ResetUserMfaRequestSchema,
  UnfreezeAccountRequestSchema,
} from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { ReasonCode } from "#gen/wallet/backoffice/v1/approval_pb.js";
import { EntryDirection, AdjustmentReason } from "#gen/wallet/ledger/v1/transaction_pb.js";
import { recordInTransaction, type CallAudit } from "./audit.service.js";
import type { BackofficeDeps } from "./context.js";
import { decisionRefusal, requestDigest, type Approval, type ApprovalAction } from "./domain/approvals.js";
import { decideApproval, expireStale, findPending, insertApproval, lockApproval } from "./storage/approvals.repository.js";
import type { BackofficeDatabase } from "./storage/backoffice.table.js";
import { backofficeRefusal } from "./transport/refusals.js";

/** The request schema each action stores, to read it back on approval. */
const REQUEST_SCHEMAS = {
  IssueRefund: IssueRefundRequestSchema,
  AdjustBalance: AdjustBalanceRequestSchema,
  UnfreezeAccount: UnfreezeAccountRequestSchema,
  GrantRole: GrantRoleRequestSchema,
  ResetUserMfa: ResetUserMfaRequestSchema,
} as const satisfies Record<ApprovalAction, DescMessage>;

/** What a maker asks for. */
export interface ApprovalDraft<A extends ApprovalAction = ApprovalAction> {
  readonly action: A;
  readonly targetType: string;
  readonly targetId: string;
  /** The request as received; its idempotency key is not stored (the approval id replaces it). */
  readonly request: MessageShape<(typeof REQUEST_SCHEMAS)[A]>;
  readonly reasonCode: ReasonCode;
  readonly justification: string;
  readonly ticketReference: string;
  readonly amount?: { readonly amountMinor: bigint; readonly currency: string };
}

/** The proto name of a reason code without its prefix ("GOODWILL"). */
export function reasonCodeName(code: ReasonCode): string {
  return ReasonCode[code] ?? "UNSPECIFIED";
}

/**
 * Stores a PENDING request for `draft` by `makerId` inside `trx` and writes
 * the call's audit entry with it. AlreadyExists (APPROVAL_ALREADY_PENDING,
 * metadata `approval_id`) when one is pending for the same action and target.
 */
export async function openApproval(
  deps: Pick<BackofficeDeps, "clock" | "settings">,
  trx: Transaction<BackofficeDatabase>,
  audit: CallAudit,
  makerId: string,
  draft: ApprovalDraft,
): Promise<Approval> {
  const now = deps.clock();
  const schema = REQUEST_SCHEMAS[draft.action] as DescMessage;
  const stored = create(schema, { ...(draft.request as object), ...("idempotencyKey" in (draft.request as object) ? { idempotencyKey: "" } : {}) } as never);
  const requestJson = toJsonString(schema, stored);
  await expireStale(trx, draft.action, draft.targetType, draft.targetId, now);
  const approval: Approval = {
    id: randomUUID(),
    action: draft.action,
    targetType: draft.targetType,
    targetId: draft.targetId,
    requestJson,
    requestDigest: requestDigest(requestJson),
    reasonCode: reasonCodeName(draft.reasonCode),
    justification: draft.justification,
    ticketReference: draft.ticketReference,
    ...(draft.amount ? { amount: draft.amount } : {}),
    makerId,
    status: "PENDING",
    decisionNote: "",
    transactionId: "",
    failureReason: "",
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.settings.approvalTtlMs),
  };
  const inserted = await insertApproval(trx, approval);
  if (inserted === "already-pending") {
    const pending = await findPending(trx, draft.action, draft.targetType, draft.targetId);
    throw backofficeRefusal("APPROVAL_ALREADY_PENDING", `a ${draft.action} request for this ${draft.targetType} is already pending`, Code.AlreadyExists, {
      approval_id: pending?.id ?? "",
    });
  }
  audit.approvalId = approval.id;
  await recordInTransaction(deps, trx, audit, "SUCCEEDED");
  return approval;
}

/** Codes after which the change may not have happened for good, so the request stays PENDING and may be approved again. */
const RETRYABLE = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Aborted, Code.ResourceExhausted, Code.Internal, Code.Unknown, Code.Canceled]);

/** How a decision ends: the request as it now stands, and the error to answer, if any. */
type Decided = { readonly approval: Approval; readonly error?: ConnectError };

function refusalError(refusal: NonNullable<ReturnType<typeof decisionRefusal>>, id: string): ConnectError {
  const code =
    refusal.reason === "APPROVAL_SELF_DECISION" || refusal.reason === "NOT_APPROVAL_MAKER" ? Code.PermissionDenied : Code.FailedPrecondition;
  return backofficeRefusal(refusal.reason, refusal.message, code, {
    approval_id: id,
    ...("status" in refusal ? { status: refusal.status } : {}),
  });
}

/**
 * Locks the request, checks the decision is allowed (marking a request found
 * expired as EXPIRED), then runs `act` and writes the audit entry, all in one
 * transaction: a concurrent decision on the same request waits for it and
 * then finds it decided.
 */
async function decide(
  deps: Pick<BackofficeDeps, "db" | "clock">,
  audit: CallAudit,
  id: string,
  staffId: string,
  decision: "approve" | "reject" | "cancel",
  expectedDigest: string,
  act: (trx: Transaction<BackofficeDatabase>, approval: Approval) => Promise<Decided>,
): Promise<Approval> {
  audit.approvalId = id;
  const decided = await deps.db.transaction().execute(async (trx): Promise<Decided> => {
    const approval = await lockApproval(trx, id);
    if (!approval) throw backofficeRefusal("APPROVAL_NOT_FOUND", `no approval request ${id}`, Code.NotFound, { approval_id: id });
    const now = deps.clock();
    const refusal = decisionRefusal(approval, staffId, decision, now, expectedDigest);
    if (refusal) {
      const error = refusalError(refusal, id);
      if (refusal.reason !== "APPROVAL_EXPIRED" || approval.status !== "PENDING") throw error;
      const expired = await decideApproval(trx, id, { status: "EXPIRED", at: now });
      await recordInTransaction(deps, trx, audit, "FAILED", codeToString(error.code));
      return { approval: expired, error };
    }
    const outcome = await act(trx, approval);
    await recordInTransaction(deps, trx, audit, outcome.error ? "FAILED" : "SUCCEEDED", outcome.error ? codeToString(outcome.error.code) : "");
    return outcome;
  });
  if (decided.error) throw decided.error;
  return decided.approval;
}

/**
 * Approves and carries out a request. A refusal for good by the service that
 * carries it out ends the request FAILED with that reason (and answers the
 * refusal); a retryable failure rolls everything back: still PENDING.
 */
export async function approve(
  deps: BackofficeDeps,
  audit: CallAudit,
  input: { id: string; checkerId: string; note: string; expectedDigest: string; call: CallOptions },
): Promise<Approval> {
  return decide(deps, audit, input.id, input.checkerId, "approve", input.expectedDigest, async (trx, approval) => {
    const at = deps.clock();
    try {
      const { transactionId } = await execute(deps, approval, input.checkerId, input.call);
      return { approval: await decideApproval(trx, approval.id, { status: "EXECUTED", at, checkerId: input.checkerId, note: input.note, transactionId }) };
    } catch (err) {
      const error = ConnectError.from(err);
      if (RETRYABLE.has(error.code)) throw err;
      const failureReason = errorInfoOf(error)?.reason ?? codeToString(error.code);
      const failed = await decideApproval(trx, approval.id, { status: "FAILED", at, checkerId: input.checkerId, note: input.note, failureReason });
      return { approval: failed, error };
    }
  });
}

/** Rejects a pending request; nothing is carried out. */
export async function reject(deps: BackofficeDeps, audit: CallAudit, input: { id: string; checkerId: string; reason: string }): Promise<Approval> {
  return decide(deps, audit, input.id, input.checkerId, "reject", "", async (trx, approval) => ({
    approval: await decideApproval(trx, approval.id, { status: "REJECTED", at: deps.clock(), checkerId: input.checkerId, note: input.reason }),
  }));
}

/** Withdraws the maker's own pending request. */
export async function cancel(deps: BackofficeDeps, audit: CallAudit, input: { id: string; makerId: string; reason: string }): Promise<Approval> {
  return decide(deps, audit, input.id, input.makerId, "cancel", "", async (trx, approval) => ({
    approval: await decideApproval(trx, approval.id, { status: "CANCELLED", at: deps.clock(), note: input.reason }),
  }));
}

const ADJUSTMENT_REASONS: Partial<Record<ReasonCode, AdjustmentReason>> = {
  [ReasonCode.GOODWILL]: AdjustmentReason.GOODWILL,
  [ReasonCode.CHARGEBACK]: AdjustmentReason.CHARGEBACK,
  [ReasonCode.CORRECTION]: AdjustmentReason.CORRECTION,
};

/** The ledger's adjustment reason for a backoffice reason code, if it is one. */
export function adjustmentReasonOf(code: ReasonCode): AdjustmentReason | undefined {
  return ADJUSTMENT_REASONS[code];
}

/**
 * Runs the stored request once, as `checkerId`. Money movements and the
 * unfreeze carry the approval id as the ledger's idempotency key, so a
 * retried approval never posts twice.
 */
async function execute(deps: BackofficeDeps, approval: Approval, checkerId: string, call: CallOptions): Promise<{ transactionId: string }> {
  const metadata = { approval_id: approval.id, maker_id: approval.makerId, checker_id: checkerId, reason_code: approval.reasonCode, ...(approval.ticketReference ? { ticket_reference: approval.ticketReference } : {}) };
  switch (approval.action) {
    case "IssueRefund": {
      const req = fromJsonString(IssueRefundRequestSchema, approval.requestJson);
      const res = await deps.ledger.refund(
        { originalTransactionId: req.transactionId, amount: req.amount, reason: req.reason, metadata, idempotencyKey: approval.id },
        call,
      );
      return { transactionId: res.transaction?.id ?? "" };
    }
    case "AdjustBalance": {
      const req = fromJsonString(AdjustBalanceRequestSchema, approval.requestJson);
      const res = await deps.ledger.adjustBalance(
        {
          accountId: req.accountId,
          direction: req.direction === AdjustmentDirection.DEBIT ? EntryDirection.DEBIT : EntryDirection.CREDIT,
          amount: req.amount,
          reasonCode: adjustmentReasonOf(req.reasonCode) ?? AdjustmentReason.UNSPECIFIED,
          reason: req.reason,
          metadata,
          idempotencyKey: approval.id,
        },
        call,
      );
      return { transactionId: res.transaction?.id ?? "" };
    }
    case "UnfreezeAccount": {
      const req = fromJsonString(UnfreezeAccountRequestSchema, approval.requestJson);
      await deps.ledger.unfreezeAccount({ accountId: req.accountId, reason: req.reason, idempotencyKey: approval.id }, call);
      return { transactionId: "" };
    }
    case "GrantRole": {
      const req = fromJsonString(GrantRoleRequestSchema, approval.requestJson);
      if (req.userId === checkerId) {
        throw backofficeRefusal("SELF_ACTION_FORBIDDEN", "a checker may not approve a role for themselves", Code.PermissionDenied);
      }
      const { user } = await deps.identity.getUser({ userId: req.userId }, call);
      const roles = [...new Set([...(user?.roles ?? []), req.role])];
      await deps.identity.setStaffRoles({ userId: req.userId, roles, actorId: checkerId }, call);
      return { transactionId: "" };
    }
    case "ResetUserMfa": {
      const req = fromJsonString(ResetUserMfaRequestSchema, approval.requestJson);
      await deps.identity.resetUserMfa({ userId: req.userId, reason: req.reason, actorId: checkerId }, call);
      return { transactionId: "" };
    }
  }
}
