/**
 * Four-eyes approval (maker-checker) rules, as pure functions: when an action
 * waits for approval, who may decide a request, and what a decision may find.
 */
import { createHash } from "node:crypto";
import type { AccessPolicy } from "./access.js";

/** Where an approval request stands (the proto's ApprovalStatus without its prefix). */
export type ApprovalStatus = "PENDING" | "EXECUTED" | "FAILED" | "REJECTED" | "CANCELLED" | "EXPIRED";

/** The actions that can wait for approval: the RPCs whose policy says so. */
export type ApprovalAction = "IssueRefund" | "AdjustBalance" | "UnfreezeAccount" | "GrantRole" | "ResetUserMfa";

/** An approval request as stored. */
export interface Approval {
  readonly id: string;
  readonly action: ApprovalAction;
  readonly targetType: string;
  readonly targetId: string;
  /** The stored request as canonical protobuf JSON: exactly what runs on approval. */
  readonly requestJson: string;
  readonly requestDigest: string;
  readonly reasonCode: string;
  readonly justification: string;
  readonly ticketReference: string;
  readonly amount?: { readonly amountMinor: bigint; readonly currency: string };
  readonly makerId: string;
  readonly status: ApprovalStatus;
  readonly checkerId?: string;
  readonly decisionNote: string;
  readonly transactionId: string;
  readonly failureReason: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly decidedAt?: Date;
}

/** SHA-256 of the stored request, lower-case hex: what both staff members can name. */
export function requestDigest(requestJson: string): string {
  return createHash("sha256").update(requestJson).digest("hex");
}

/**
 * Whether an action with `policy` (and, for threshold policies, an amount in
 * minor units) waits for a second staff member. Amounts are compared in minor
 * units whatever the currency: one threshold for the whole wallet.
 */
export function needsApproval(policy: AccessPolicy, amountMinor: bigint | undefined, thresholdMinor: bigint): boolean {
  if (policy.approval === "always") return true;
  if (policy.approval === "above-threshold") return amountMinor !== undefined && amountMinor > thresholdMinor;
  return false;
}

/** The status a request shows at `now`: a pending request past its expiry is expired. */
export function effectiveStatus(approval: Pick<Approval, "status" | "expiresAt">, now: Date): ApprovalStatus {
  return approval.status === "PENDING" && approval.expiresAt.getTime() <= now.getTime() ? "EXPIRED" : approval.status;
}

/** Why a decision is refused, in the backoffice's reasons. */
export type DecisionRefusal =
  | { readonly reason: "APPROVAL_SELF_DECISION"; readonly message: string }
  | { readonly reason: "NOT_APPROVAL_MAKER"; readonly message: string }
  | { readonly reason: "APPROVAL_EXPIRED"; readonly message: string }
  | { readonly reason: "APPROVAL_NOT_PENDING"; readonly message: string; readonly status: ApprovalStatus }
  | { readonly reason: "APPROVAL_DIGEST_MISMATCH"; readonly message: string };

/**
 * Why `staffId` may not make `decision` on `approval` at `now`, or undefined
 * when they may. Approve and reject are for checkers (never the maker);
 * cancel is for the maker alone. Expiry and status are checked before the
 * digest, so a stale decision learns the request's state first.
 */
export function decisionRefusal(
  approval: Approval,
  staffId: string,
  decision: "approve" | "reject" | "cancel",
  now: Date,
  expectedDigest = "",
): DecisionRefusal | undefined {
  if (decision === "cancel" && approval.makerId !== staffId) {
    return { reason: "NOT_APPROVAL_MAKER", message: "only the staff member who asked may cancel an approval request" };
  }
  if (decision !== "cancel" && approval.makerId === staffId) {
    return { reason: "APPROVAL_SELF_DECISION", message: "a second staff member must decide: the maker of a request may not approve or reject it" };
  }
  const status = effectiveStatus(approval, now);
  if (status === "EXPIRED") return { reason: "APPROVAL_EXPIRED", message: "the approval request expired before it was decided" };
  if (status !== "PENDING") return { reason: "APPROVAL_NOT_PENDING", message: `the approval request is already ${status.toLowerCase()}`, status };
  if (decision === "approve" && expectedDigest !== "" && expectedDigest !== approval.requestDigest) {
    return { reason: "APPROVAL_DIGEST_MISMATCH", message: "the stored request is not the one reviewed (request_digest differs)" };
  }
  return undefined;
}
