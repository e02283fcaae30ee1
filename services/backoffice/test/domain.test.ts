import assert from "node:assert/strict";
import { test } from "node:test";
import { decideAccess, type AccessPolicy } from "../src/domain/access.js";
import { decisionRefusal, effectiveStatus, needsApproval, type Approval } from "../src/domain/approvals.js";
import { checkChainSegment, entryHash, GENESIS_HASH, type AuditContent, type AuditEntry } from "../src/domain/audit-chain.js";
import { auditTargetOf } from "../src/domain/audit-targets.js";

const now = new Date("2026-12-02T10:00:00Z");
const policy = (p: Partial<AccessPolicy> = {}): AccessPolicy => ({ allowedRoles: ["admin"], recentSecondFactor: false, approval: "none", ...p });
const staff = { roles: ["admin"], amr: ["pwd", "otp"], authTime: now };

test("an RPC without an access policy is refused for every role", () => {
  const decision = decideAccess(undefined, staff, now, 300);
  assert.equal(decision.allowed, false);
  assert.equal(!decision.allowed && decision.reason, "MISSING_ROLE");
});

test("a policy naming no role is refused for everyone", () => {
  const decision = decideAccess(policy({ allowedRoles: [] }), staff, now, 300);
  assert.equal(!decision.allowed && decision.reason, "MISSING_ROLE");
});

test("the role is checked before the second factor, so a caller without the role learns nothing of step-up", () => {
  const decision = decideAccess(policy({ allowedRoles: ["finance"], recentSecondFactor: true }), { ...staff, amr: ["pwd"] }, now, 300);
  assert.equal(!decision.allowed && decision.reason, "MISSING_ROLE");
});

test("a step-up is asked only when the second factor is older than the window", () => {
  const recent = policy({ recentSecondFactor: true });
  assert.equal(decideAccess(recent, { ...staff, authTime: new Date(now.getTime() - 300_000) }, now, 300).allowed, true);
  const old = decideAccess(recent, { ...staff, authTime: new Date(now.getTime() - 301_000) }, now, 300);
  assert.equal(!old.allowed && old.reason, "STEP_UP_REQUIRED");
});

test("threshold approval applies strictly above the threshold", () => {
  const above = policy({ approval: "above-threshold" });
  assert.equal(needsApproval(above, 50_000n, 50_000n), false);
  assert.equal(needsApproval(above, 50_001n, 50_000n), true);
  assert.equal(needsApproval(policy({ approval: "always" }), undefined, 50_000n), true);
  assert.equal(needsApproval(policy(), 10n ** 12n, 50_000n), false);
});

const approval = (a: Partial<Approval> = {}): Approval => ({
  id: "a1",
  action: "IssueRefund",
  targetType: "transaction",
  targetId: "t1",
  requestJson: "{}",
  requestDigest: "d".repeat(64),
  reasonCode: "CUSTOMER_REQUEST",
  justification: "why",
  ticketReference: "",
  makerId: "maker",
  status: "PENDING",
  decisionNote: "",
  transactionId: "",
  failureReason: "",
  createdAt: new Date(now.getTime() - 1_000),
  expiresAt: new Date(now.getTime() + 1_000),
  ...a,
});

test("a pending request past its expiry shows as expired and cannot be decided", () => {
  const expired = approval({ expiresAt: now });
  assert.equal(effectiveStatus(expired, now), "EXPIRED");
  assert.equal(decisionRefusal(expired, "checker", "approve", now)?.reason, "APPROVAL_EXPIRED");
});

test("the maker may cancel but not decide; others may decide but not cancel", () => {
  assert.equal(decisionRefusal(approval(), "maker", "approve", now)?.reason, "APPROVAL_SELF_DECISION");
  assert.equal(decisionRefusal(approval(), "maker", "reject", now)?.reason, "APPROVAL_SELF_DECISION");
  assert.equal(decisionRefusal(approval(), "maker", "cancel", now), undefined);
  assert.equal(decisionRefusal(approval(), "checker", "cancel", now)?.reason, "NOT_APPROVAL_MAKER");
  assert.equal(decisionRefusal(approval(), "checker", "approve", now), undefined);
});

test("a decided request is not pending, whatever the decision asked", () => {
  const refusal = decisionRefusal(approval({ status: "EXECUTED" }), "checker", "reject", now);
  assert.equal(refusal?.reason, "APPROVAL_NOT_PENDING");
});

const content = (n: number): AuditContent => ({
  id: `id-${n}`,
  occurredAt: new Date(now.getTime() + n),
  actorId: "staff-1",
  actorRoles: ["admin"],
  action: "ListStaff",
  targetType: "",
  targetId: "",
  reason: "",
  requestId: `r-${n}`,
  clientIp: "",
  outcome: "SUCCEEDED",
  errorCode: "",
  approvalId: "",
});

function chain(length: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let previous = GENESIS_HASH;
  for (let n = 1; n <= length; n++) {
    const hash = entryHash(previous, BigInt(n), content(n));
    entries.push({ ...content(n), position: BigInt(n), previousHash: previous, entryHash: hash });
    previous = hash;
  }
  return entries;
}

test("a chain built entry by entry verifies", () => {
  assert.equal(checkChainSegment(chain(4)).broken, undefined);
});

test("changing any field of an entry breaks the chain at that entry", () => {
  const entries = chain(4);
  entries[2] = { ...entries[2]!, reason: "edited" };
  assert.deepEqual(checkChainSegment(entries).broken, { position: 3n, problem: "entry hash does not match its content" });
});

test("a removed entry breaks the chain at the missing position", () => {
  const entries = chain(4);
  entries.splice(1, 1);
  assert.deepEqual(checkChainSegment(entries).broken, { position: 2n, problem: "position gap" });
});

test("an audit target is the most specific id of the request, staff for staff RPCs", () => {
  assert.deepEqual(auditTargetOf("GetAccount", { accountId: "acc-1" }), { type: "account", id: "acc-1" });
  assert.deepEqual(auditTargetOf("IssueRefund", { transactionId: "tx-1", accountId: "" }), { type: "transaction", id: "tx-1" });
  assert.deepEqual(auditTargetOf("GrantRole", { userId: "u-1" }), { type: "staff", id: "u-1" });
  assert.deepEqual(auditTargetOf("SearchUsers", { query: "ann" }), { type: "", id: "" });
});
