import assert from "node:assert/strict";
import { test } from "node:test";
import { ApprovalStatus, ReasonCode } from "#gen/wallet/backoffice/v1/approval_pb.js";
import { eur, key, refusal, useBackofficeMesh } from "./support/backoffice-harness.js";

const TTL_MS = 400;
const mesh = useBackofficeMesh({ settings: { approvalThresholdMinor: 1_000n, approvalTtlMs: TTL_MS } });

test("a request not decided before it expires cannot be approved, and posts nothing", async () => {
  const m = await mesh();
  const [payer, payee] = [await m.customer(10_000n), await m.customer(0n)];
  const transactionId = await m.transfer(payer, payee, 5_000n);
  const maker = await m.staff(["finance"]);
  const checker = await m.staff(["approver"]);
  const { approvalRequest } = await maker.backoffice.issueRefund({
    transactionId,
    amount: eur(5_000n),
    reason: "duplicate charge",
    reasonCode: ReasonCode.CUSTOMER_REQUEST,
    idempotencyKey: key(),
  });
  await new Promise((resolve) => setTimeout(resolve, TTL_MS + 100));
  const refused = await refusal(checker.backoffice.approveApprovalRequest({ approvalId: approvalRequest!.id }));
  assert.equal(refused.reason, "APPROVAL_EXPIRED");
  const { approvalRequest: expired } = await checker.backoffice.getApprovalRequest({ approvalId: approvalRequest!.id });
  assert.equal(expired?.status, ApprovalStatus.EXPIRED);
  const original = await m.ledgerAs("backoffice").getTransaction({ transactionId });
  assert.equal(original.refundedAmount?.amountMinor ?? 0n, 0n);
});

test("an expired request frees its target for a new request", async () => {
  const m = await mesh();
  const [payer, payee] = [await m.customer(10_000n), await m.customer(0n)];
  const transactionId = await m.transfer(payer, payee, 5_000n);
  const maker = await m.staff(["finance"]);
  const request = () => ({ transactionId, amount: eur(4_000n), reason: "duplicate charge", reasonCode: ReasonCode.CUSTOMER_REQUEST, idempotencyKey: key() });
  const first = await maker.backoffice.issueRefund(request());
  await new Promise((resolve) => setTimeout(resolve, TTL_MS + 100));
  const second = await maker.backoffice.issueRefund(request());
  assert.notEqual(second.approvalRequest?.id, first.approvalRequest?.id);
  assert.equal(second.approvalRequest?.status, ApprovalStatus.PENDING);
});
