/** The backoffice's own records (audit entries, approval requests) as contract messages. */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ApprovalRequestSchema, ApprovalStatus, ReasonCode, type ApprovalRequest } from "#gen/wallet/backoffice/v1/approval_pb.js";
import { AuditEntrySchema, AuditOutcome, type AuditEntry as AuditEntryPb } from "#gen/wallet/backoffice/v1/audit_pb.js";
import { Role } from "#gen/wallet/identity/v1/user_pb.js";
import { STAFF_ROLE_NAMES } from "#platform/authz/index.js";
import type { AuditEntry } from "../domain/audit-chain.js";
import { effectiveStatus, type Approval } from "../domain/approvals.js";

const ROLE_OF_NAME = new Map<string, Role>(Object.entries(STAFF_ROLE_NAMES).map(([role, name]) => [name, Number(role) as Role]));

/** The contract's role for a token's role name; UNSPECIFIED for a name it does not know. */
export function roleOfName(name: string): Role {
  return ROLE_OF_NAME.get(name) ?? Role.UNSPECIFIED;
}

const OUTCOMES: Record<AuditEntry["outcome"], AuditOutcome> = {
  SUCCEEDED: AuditOutcome.SUCCEEDED,
  DENIED: AuditOutcome.DENIED,
  FAILED: AuditOutcome.FAILED,
};

/** The stored outcome for a filter value; undefined for UNSPECIFIED (any). */
export function outcomeFilter(outcome: AuditOutcome): AuditEntry["outcome"] | undefined {
  return (Object.entries(OUTCOMES).find(([, value]) => value === outcome)?.[0] as AuditEntry["outcome"] | undefined) ?? undefined;
}

export function auditEntryPb(entry: AuditEntry): AuditEntryPb {
  return create(AuditEntrySchema, {
    id: entry.id,
    actorId: entry.actorId,
    actorRoles: entry.actorRoles.map(roleOfName),
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    reason: entry.reason,
    requestId: entry.requestId,
    outcome: OUTCOMES[entry.outcome],
    errorCode: entry.errorCode,
    occurredAt: timestampFromDate(entry.occurredAt),
    clientIp: entry.clientIp,
    approvalId: entry.approvalId,
    position: entry.position,
    previousHash: entry.previousHash,
    entryHash: entry.entryHash,
  });
}

const STATUSES: Record<Approval["status"], ApprovalStatus> = {
  PENDING: ApprovalStatus.PENDING,
  EXECUTED: ApprovalStatus.EXECUTED,
  FAILED: ApprovalStatus.FAILED,
  REJECTED: ApprovalStatus.REJECTED,
  CANCELLED: ApprovalStatus.CANCELLED,
  EXPIRED: ApprovalStatus.EXPIRED,
};

/** The stored status for a filter value; undefined for UNSPECIFIED (any). */
export function approvalStatusFilter(status: ApprovalStatus): Approval["status"] | undefined {
  return Object.entries(STATUSES).find(([, value]) => value === status)?.[0] as Approval["status"] | undefined;
}

/** A request as staff see it at `now` (a pending request past its expiry shows EXPIRED). */
export function approvalPb(approval: Approval, now: Date): ApprovalRequest {
  return create(ApprovalRequestSchema, {
    id: approval.id,
    action: approval.action,
    targetType: approval.targetType,
    targetId: approval.targetId,
    requestJson: approval.requestJson,
    requestDigest: approval.requestDigest,
    reasonCode: ReasonCode[approval.reasonCode as keyof typeof ReasonCode] ?? ReasonCode.UNSPECIFIED,
    justification: approval.justification,
    ticketReference: approval.ticketReference,
    ...(approval.amount ? { amount: { amountMinor: approval.amount.amountMinor, currency: approval.amount.currency } } : {}),
    status: STATUSES[effectiveStatus(approval, now)],
    makerId: approval.makerId,
    checkerId: approval.checkerId ?? "",
    decisionNote: approval.decisionNote,
    transactionId: approval.transactionId,
    failureReason: approval.failureReason,
    createdAt: timestampFromDate(approval.createdAt),
    expiresAt: timestampFromDate(approval.expiresAt),
    ...(approval.decidedAt ? { decidedAt: timestampFromDate(approval.decidedAt) } : {}),
  });
}
