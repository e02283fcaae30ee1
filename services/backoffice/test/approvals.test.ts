import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "@connectrpc/connect";
import { AdjustmentDirection } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { ApprovalStatus, ReasonCode } from "#gen/wallet/backoffice/v1/approval_pb.js";
import { AccountStatus } from "#gen/wallet/backoffice/v1/account_pb.js";
import { Role } from "#gen/wallet/identity/v1/user_pb.js";
import { eur, key, refusal, useBackofficeMesh } from "./support/backoffice-harness.js";

const mesh = useBackofficeMesh({ settings: { approvalThresholdMinor: 10_000n } });

/** A transfer of 30000 between two customers, refundable above the 10000 threshold. */
async function refundable() {
  const m = await mesh();
  const [payer, payee] = [await m.customer(50_000n), await m.customer(0n)];
  const transactionId = await m.transfer(payer, payee, 30_000n);
  return { m, payer, payee, transactionId };
}

const refundRequest = (transactionId: string, amountMinor = 20_000n) => ({
  transactionId,
  amount: eur(amountMinor),
  reason: "merchant did not deliver",
  reasonCode: ReasonCode.CUSTOMER_REQUEST,
  ticketReference: "SUP-1234",
  idempotencyKey: key(),
});

test("a refund above the approval threshold creates a pending approval request and posts nothing", async () => {
  const { m, transactionId } = await refundable();
  const maker = await m.staff(["finance"]);
  const res = await maker.backoffice.issueRefund(refundRequest(transactionId));
  assert.equal(res.refund, undefined);
  const approval = res.approvalRequest!;
  assert.equal(approval.status, ApprovalStatus.PENDING);
  assert.equal(approval.action, "IssueRefund");
  assert.equal(approval.makerId, maker.id);
  assert.equal(approval.amount?.amountMinor, 20_000n);
  assert.equal(approval.ticketReference, "SUP-1234");
  assert.match(approval.requestDigest, /^[0-9a-f]{64}$/);
  assert.ok(JSON.parse(approval.requestJson).transactionId === transactionId);
  const original = await m.ledgerAs("backoffice").getTransaction({ transactionId });
  assert.equal(original.refundedAmount?.amountMinor ?? 0n, 0n);
});

test("a refund at or below the threshold is posted at once", async () => {
  const { m, transactionId } = await refundable();
  const maker = await m.staff(["finance"]);
  const res = await maker.backoffice.issueRefund(refundRequest(transactionId, 10_000n));
  assert.equal(res.approvalRequest, undefined);
  assert.equal(res.refund?.amount?.amountMinor, 10_000n);
  assert.equal(res.remainingRefundable?.amountMinor, 20_000n);
});

test("a refund above the threshold without a reason code is refused naming the field", async () => {
  const { m, transactionId } = await refundable();
  const maker = await m.staff(["finance"]);
  const refused = await refusal(maker.backoffice.issueRefund({ ...refundRequest(transactionId), reasonCode: ReasonCode.UNSPECIFIED }));
  assert.equal(refused.code, Code.InvalidArgument);
  assert.equal(refused.metadata.field, "reason_code");
});

test("a refund without a reason is refused naming the field", async () => {
  const { m, transactionId } = await refundable();
  const maker = await m.staff(["finance"]);
  const refused = await refusal(maker.backoffice.issueRefund({ ...refundRequest(transactionId), reason: " " }));
  assert.equal(refused.code, Code.InvalidArgument);
  assert.equal(refused.metadata.field, "reason");
});

test("retrying a refund request with its idempotency key answers the same approval request", async () => {
  const { m, transactionId } = await refundable();
  const maker = await m.staff(["finance"]);
  const request = refundRequest(transactionId);
  const first = await maker.backoffice.issueRefund(request);
  const again = await maker.backoffice.issueRefund(request);
  assert.equal(again.approvalRequest?.id, first.approvalRequest?.id);
  const entries = await m.db.selectFrom("audit_log").selectAll().where("actor_id", "=", maker.id).orderBy("position").execute();
  assert.deepEqual(entries.map((e) => e.approval_id), [first.approvalRequest!.id, first.approvalRequest!.id], "the replay's entry names the request too");
});

test("a second pending request for the same action and target is refused with the pending one's id", async () => {
  const { m, transactionId } = await refundable();
  const maker = await m.staff(["finance"]);
  const first = await maker.backoffice.issueRefund(refundRequest(transactionId));
  const refused = await refusal(maker.backoffice.issueRefund(refundRequest(transactionId, 15_000n)));
  assert.equal(refused.code, Code.AlreadyExists);
  assert.equal(refused.reason, "APPROVAL_ALREADY_PENDING");
  assert.equal(refused.metadata.approval_id, first.approvalRequest?.id);
});

test("the maker may not approve their own request, even holding the approver role", async () => {
  const { m, transactionId } = await refundable();
  const maker = await m.staff(["finance", "approver"]);
  const { approvalRequest } = await maker.backoffice.issueRefund(refundRequest(transactionId));
  const refused = await refusal(maker.backoffice.approveApprovalRequest({ approvalId: approvalRequest!.id }));
  assert.equal(refused.code, Code.PermissionDenied);
  assert.equal(refused.reason, "APPROVAL_SELF_DECISION");
});

test("a second staff member approves and exactly one refund is posted when the approval is sent twice at once", async () => {
  const { m, transactionId } = await refundable();
  const maker = await m.staff(["finance"]);
  const checker = await m.staff(["approver"]);
  const { approvalRequest } = await maker.backoffice.issueRefund(refundRequest(transactionId));
  const approvals = await Promise.allSettled([
    checker.backoffice.approveApprovalRequest({ approvalId: approvalRequest!.id, note: "ticket checked" }),
    checker.backoffice.approveApprovalRequest({ approvalId: approvalRequest!.id, note: "ticket checked" }),
  ]);
  const approved = approvals.filter((a) => a.status === "fulfilled");
  assert.equal(approved.length, 1, "one approval carries it out");
  const executed = (approved[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof checker.backoffice.approveApprovalRequest>>>).value.approvalRequest!;
  assert.equal(executed.status, ApprovalStatus.EXECUTED);
  assert.equal(executed.checkerId, checker.id);
  assert.match(executed.transactionId, /^[0-9a-f-]{36}$/);
  const other = await refusal(Promise.reject((approvals.find((a) => a.status === "rejected") as PromiseRejectedResult).reason));
  assert.equal(other.code, Code.FailedPrecondition);
  assert.equal(other.reason, "APPROVAL_NOT_PENDING");
  const original = await m.ledgerAs("backoffice").getTransaction({ transactionId });
  assert.equal(original.refundedAmount?.amountMinor, 20_000n);
});

test("approving with a digest other than the stored request's is refused and carries nothing out", async () => {
  const { m, transactionId } = await refundable();
  const maker = await m.staff(["finance"]);
  const checker = await m.staff(["approver"]);
  const { approvalRequest } = await maker.backoffice.issueRefund(refundRequest(transactionId));
  const refused = await refusal(checker.backoffice.approveApprovalRequest({ approvalId: approvalRequest!.id, expectedDigest: "0".repeat(64) }));
  assert.equal(refused.reason, "APPROVAL_DIGEST_MISMATCH");
  const { approvalRequest: still } = await checker.backoffice.getApprovalRequest({ approvalId: approvalRequest!.id });
  assert.equal(still?.status, ApprovalStatus.PENDING);
});

test("a rejected request posts nothing and cannot be approved afterwards", async () => {
  const { m, transactionId } = await refundable();
  const maker = await m.staff(["finance"]);
  const checker = await m.staff(["approver"]);
  const { approvalRequest } = await maker.backoffice.issueRefund(refundRequest(transactionId));
  const rejected = await checker.backoffice.rejectApprovalRequest({ approvalId: approvalRequest!.id, reason: "no ticket evidence" });
  assert.equal(rejected.approvalRequest?.status, ApprovalStatus.REJECTED);
  assert.equal(rejected.approvalRequest?.decisionNote, "no ticket evidence");
  const refused = await refusal(checker.backoffice.approveApprovalRequest({ approvalId: approvalRequest!.id }));
  assert.equal(refused.reason, "APPROVAL_NOT_PENDING");
  const original = await m.ledgerAs("backoffice").getTransaction({ transactionId });
  assert.equal(original.refundedAmount?.amountMinor ?? 0n, 0n);
});

test("rejecting without a reason is refused naming the field", async () => {
  const { m, transactionId } = await refundable();
  const maker = await m.staff(["finance"]);
  const checker = await m.staff(["approver"]);
  const { approvalRequest } = await maker.backoffice.issueRefund(refundRequest(transactionId));
  const refused = await refusal(checker.backoffice.rejectApprovalRequest({ approvalId: approvalRequest!.id, reason: "" }));
  assert.equal(refused.code, Code.InvalidArgument);
  assert.equal(refused.metadata.field, "reason");
});

test("the maker cancels their own request and nothing is posted; nobody else may cancel it", async () => {
  const { m, transactionId } = await refundable();
  const maker = await m.staff(["finance"]);
  const colleague = await m.staff(["finance"]);
  const { approvalRequest } = await maker.backoffice.issueRefund(refundRequest(transactionId));
  const notTheirs = await refusal(colleague.backoffice.cancelApprovalRequest({ approvalId: approvalRequest!.id, reason: "duplicate" }));
  assert.equal(notTheirs.code, Code.PermissionDenied);
  assert.equal(notTheirs.reason, "NOT_APPROVAL_MAKER");
  const cancelled = await maker.backoffice.cancelApprovalRequest({ approvalId: approvalRequest!.id, reason: "customer withdrew the claim" });
  assert.equal(cancelled.approvalRequest?.status, ApprovalStatus.CANCELLED);
  const original = await m.ledgerAs("backoffice").getTransaction({ transactionId });
  assert.equal(original.refundedAmount?.amountMinor ?? 0n, 0n);
});

test("an unknown approval request is NotFound", async () => {
  const m = await mesh();
  const checker = await m.staff(["approver"]);
  const refused = await refusal(checker.backoffice.approveApprovalRequest({ approvalId: crypto.randomUUID() }));
  assert.equal(refused.code, Code.NotFound);
  assert.equal(refused.reason, "APPROVAL_NOT_FOUND");
});

test("a credit adjustment waits for approval and, approved, credits the wallet once", async () => {
  const m = await mesh();
  const customer = await m.customer(1_000n);
  const maker = await m.staff(["finance"]);
  const checker = await m.staff(["approver"]);
  const request = {
    accountId: customer.accountId,
    direction: AdjustmentDirection.CREDIT,
    amount: eur(2_500n),
    reasonCode: ReasonCode.GOODWILL,
    reason: "delayed payout compensation",
    idempotencyKey: key(),
  };
  const { approvalRequest } = await maker.backoffice.adjustBalance(request);
  assert.equal(approvalRequest?.status, ApprovalStatus.PENDING);
  const before = await m.ledgerAs("mobile-bff").getBalance({ accountId: customer.accountId });
  assert.equal(before.balance?.posted?.amountMinor, 1_000n);
  const approved = await checker.backoffice.approveApprovalRequest({ approvalId: approvalRequest!.id, expectedDigest: approvalRequest!.requestDigest });
  assert.equal(approved.approvalRequest?.status, ApprovalStatus.EXECUTED);
  const after = await m.ledgerAs("mobile-bff").getBalance({ accountId: customer.accountId });
  assert.equal(after.balance?.posted?.amountMinor, 3_500n);
});

test("an approved debit adjustment beyond the balance ends FAILED with the ledger's reason and moves nothing", async () => {
  const m = await mesh();
  const customer = await m.customer(1_000n);
  const maker = await m.staff(["finance"]);
  const checker = await m.staff(["approver"]);
  const { approvalRequest } = await maker.backoffice.adjustBalance({
    accountId: customer.accountId,
    direction: AdjustmentDirection.DEBIT,
    amount: eur(5_000n),
    reasonCode: ReasonCode.CHARGEBACK,
    reason: "card scheme chargeback",
    idempotencyKey: key(),
  });
  const refused = await refusal(checker.backoffice.approveApprovalRequest({ approvalId: approvalRequest!.id }));
  assert.equal(refused.code, Code.FailedPrecondition);
  assert.equal(refused.reason, "INSUFFICIENT_FUNDS");
  const { approvalRequest: failed } = await checker.backoffice.getApprovalRequest({ approvalId: approvalRequest!.id });
  assert.equal(failed?.status, ApprovalStatus.FAILED);
  assert.equal(failed?.failureReason, "INSUFFICIENT_FUNDS");
  const after = await m.ledgerAs("mobile-bff").getBalance({ accountId: customer.accountId });
  assert.equal(after.balance?.posted?.amountMinor, 1_000n);
});

test("an adjustment with a reason code that is not an adjustment's is refused naming the field", async () => {
  const m = await mesh();
  const customer = await m.customer(0n);
  const maker = await m.staff(["finance"]);
  const refused = await refusal(
    maker.backoffice.adjustBalance({ accountId: customer.accountId, direction: AdjustmentDirection.CREDIT, amount: eur(100n), reasonCode: ReasonCode.STAFF_CHANGE, reason: "x", idempotencyKey: key() }),
  );
  assert.equal(refused.code, Code.InvalidArgument);
  assert.equal(refused.metadata.field, "reason_code");
});

test("unfreezing waits for approval and, approved, makes the account active", async () => {
  const m = await mesh();
  const customer = await m.customer(1_000n);
  const analyst = await m.staff(["risk_analyst"]);
  const checker = await m.staff(["approver"]);
  await analyst.backoffice.freezeAccount({ accountId: customer.accountId, reason: "fraud review" });
  const { account, approvalRequest } = await analyst.backoffice.unfreezeAccount({ accountId: customer.accountId, reason: "review cleared", reasonCode: ReasonCode.RISK_REVIEW });
  assert.equal(account, undefined);
  assert.equal((await analyst.backoffice.getAccount({ accountId: customer.accountId })).account?.status, AccountStatus.FROZEN);
  await checker.backoffice.approveApprovalRequest({ approvalId: approvalRequest!.id });
  assert.equal((await analyst.backoffice.getAccount({ accountId: customer.accountId })).account?.status, AccountStatus.ACTIVE);
});

test("granting a role waits for approval and, approved, gives the role", async () => {
  const m = await mesh();
  const admin = await m.staff(["admin"]);
  const checker = await m.staff(["approver"]);
  const { user } = await m.identity.client({ callerId: "backoffice" }).createStaffUser({
    email: `agent.${crypto.randomUUID().slice(0, 8)}@wallet.example`,
    displayName: "Agent",
    roles: [Role.SUPPORT],
    actorId: admin.id,
  });
  const { staff, approvalRequest } = await admin.backoffice.grantRole({ userId: user!.id, role: Role.FINANCE, reason: "joins finance", reasonCode: ReasonCode.STAFF_CHANGE });
  assert.equal(staff, undefined);
  await checker.backoffice.approveApprovalRequest({ approvalId: approvalRequest!.id });
  const { user: after } = await m.identity.client({ callerId: "backoffice" }).getUser({ userId: user!.id });
  assert.deepEqual([...after!.roles].sort(), [Role.SUPPORT, Role.FINANCE].sort());
});

test("the request and its approval are audited with the approval id", async () => {
  const { m, transactionId } = await refundable();
  const maker = await m.staff(["finance"]);
  const checker = await m.staff(["approver"]);
  const { approvalRequest } = await maker.backoffice.issueRefund(refundRequest(transactionId));
  await checker.backoffice.approveApprovalRequest({ approvalId: approvalRequest!.id });
  const entries = await m.db.selectFrom("audit_log").selectAll().where("approval_id", "=", approvalRequest!.id).orderBy("position").execute();
  assert.deepEqual(
    entries.map((e) => [e.action, e.actor_id, e.outcome]),
    [
      ["IssueRefund", maker.id, "SUCCEEDED"],
      ["ApproveApprovalRequest", checker.id, "SUCCEEDED"],
    ],
  );
});

test("listing approval requests filters by status and maker, newest first", async () => {
  const { m, transactionId } = await refundable();
  const maker = await m.staff(["finance"]);
  const { approvalRequest } = await maker.backoffice.issueRefund(refundRequest(transactionId));
  const listed = await maker.backoffice.listApprovalRequests({ status: ApprovalStatus.PENDING, makerId: maker.id });
  assert.deepEqual(listed.approvalRequests.map((a) => a.id), [approvalRequest!.id]);
});

test("an approved MFA reset is carried out by identity", async () => {
  const m = await mesh();
  const customer = await m.customer(0n);
  const support = await m.staff(["support"]);
  const checker = await m.staff(["approver"]);
  const { approvalRequest } = await support.backoffice.resetUserMfa({ userId: customer.userId, reason: "lost phone, identity checked by video call", reasonCode: ReasonCode.CUSTOMER_REQUEST });
  const approved = await checker.backoffice.approveApprovalRequest({ approvalId: approvalRequest!.id });
  assert.equal(approved.approvalRequest?.status, ApprovalStatus.EXECUTED);
  const { user } = await m.identity.client({ callerId: "backoffice" }).getUser({ userId: customer.userId });
  assert.equal(user?.mfa?.totpEnrolled ?? false, false);
});
