/**
 * The RBAC matrix: every BackofficeService RPC called by a staff member
 * holding each single role, and by one holding no role. The table below is
 * the specification; the test holds both the contract's
 * `wallet.authz.v1.access` options and the running service to it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "@connectrpc/connect";
import { accessPolicyOf } from "#platform/authz/index.js";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { refusal, useBackofficeMesh } from "./support/backoffice-harness.js";

const ROLES = ["admin", "support", "risk_analyst", "finance", "approver"] as const;
const MAKERS = ["support", "risk_analyst", "finance", "admin"];

/** Who may call what: [roles, recent second factor, approval]. */
const SPEC: Record<string, readonly [readonly string[], boolean, "none" | "always" | "above-threshold"]> = {
  SearchUsers: [["support", "risk_analyst", "admin"], false, "none"],
  GetUser: [["support", "risk_analyst", "admin"], false, "none"],
  LockUser: [["support", "risk_analyst", "admin"], true, "none"],
  UnlockUser: [["support", "admin"], true, "none"],
  RevokeUserSessions: [["support", "admin"], false, "none"],
  ResetUserMfa: [["support", "admin"], true, "always"],
  GetAccount: [["support", "risk_analyst", "finance", "admin"], false, "none"],
  ListAccountTransactions: [["support", "risk_analyst", "finance", "admin"], false, "none"],
  FreezeAccount: [["risk_analyst", "admin"], true, "none"],
  UnfreezeAccount: [["risk_analyst", "admin"], true, "always"],
  GetTransaction: [["support", "risk_analyst", "finance", "admin"], false, "none"],
  IssueRefund: [["finance"], true, "above-threshold"],
  AdjustBalance: [["finance"], true, "always"],
  ListRiskAlerts: [["risk_analyst", "admin"], false, "none"],
  GetRiskAlert: [["risk_analyst", "admin"], false, "none"],
  AcknowledgeRiskAlert: [["risk_analyst", "admin"], false, "none"],
  ResolveRiskAlert: [["risk_analyst", "admin"], false, "none"],
  VerifyLedgerIntegrity: [["finance", "admin"], false, "none"],
  ListAuditLog: [["admin"], false, "none"],
  ListStaff: [["admin"], false, "none"],
  CreateStaff: [["admin"], true, "none"],
  GrantRole: [["admin"], true, "always"],
  RevokeRole: [["admin"], true, "none"],
  SendTestNotification: [["support", "admin"], false, "none"],
  ListNotificationDeadLetters: [["admin"], false, "none"],
  ReplayNotificationDeadLetters: [["admin"], false, "none"],
  ListApprovalRequests: [[...MAKERS, "approver"], false, "none"],
  GetApprovalRequest: [[...MAKERS, "approver"], false, "none"],
  ApproveApprovalRequest: [["approver"], true, "none"],
  RejectApprovalRequest: [["approver"], false, "none"],
  CancelApprovalRequest: [MAKERS, false, "none"],
};

const mesh = useBackofficeMesh();

test("every backoffice RPC declares exactly the access policy of the specification", () => {
  assert.deepEqual(BackofficeService.methods.map((m) => m.name).sort(), Object.keys(SPEC).sort());
  for (const method of BackofficeService.methods) {
    const [roles, recent, approval] = SPEC[method.name]!;
    const policy = accessPolicyOf(method);
    assert.ok(policy, `${method.name} has no access option`);
    assert.deepEqual([...policy.allowedRoles].sort(), [...roles].sort(), `${method.name} roles`);
    assert.equal(policy.recentSecondFactor, recent, `${method.name} recent second factor`);
    assert.equal(policy.approval, approval, `${method.name} approval`);
  }
});

test("each role and no role get exactly the RPCs the specification gives them, every call audited", async () => {
  const m = await mesh();
  const staffByRole = new Map<string, Awaited<ReturnType<typeof m.staff>>>();
  for (const role of [...ROLES, "none"]) staffByRole.set(role, await m.staff(role === "none" ? [] : [role]));
  const entriesBefore = (await m.db.selectFrom("audit_log").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow()).n;
  let calls = 0;
  for (const method of BackofficeService.methods) {
    const [allowed] = SPEC[method.name]!;
    for (const [role, staff] of staffByRole) {
      // An empty request: an allowed caller is stopped by validation (or finds nothing), never by RBAC.
      const call = (staff.backoffice as unknown as Record<string, (req: object) => Promise<unknown>>)[method.localName]!({});
      const outcome = await call.then(
        () => ({ code: undefined, reason: "" }),
        async () => refusal(call),
      );
      calls++;
      if (allowed.includes(role)) {
        assert.notEqual(outcome.reason, "MISSING_ROLE", `${role} should be allowed ${method.name}`);
      } else {
        assert.equal(outcome.code, Code.PermissionDenied, `${role} should be refused ${method.name}`);
        assert.equal(outcome.reason, "MISSING_ROLE", `${role} refused ${method.name} for another reason: ${outcome.reason}`);
      }
    }
  }
  const entriesAfter = (await m.db.selectFrom("audit_log").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow()).n;
  assert.equal(BigInt(entriesAfter) - BigInt(entriesBefore), BigInt(calls));
});

test("a refusal for a missing role names the roles that would be allowed", async () => {
  const m = await mesh();
  const support = await m.staff(["support"]);
  const refused = await refusal(support.backoffice.listAuditLog({}));
  assert.equal(refused.code, Code.PermissionDenied);
  assert.equal(refused.domain, "backoffice.wallet");
  assert.equal(refused.metadata.required_roles, "admin");
});

test("a staff token without a second factor is refused with MFA_REQUIRED", async () => {
  const m = await mesh();
  const admin = await m.staff(["admin"], { amr: ["pwd"] });
  const refused = await refusal(admin.backoffice.listStaff({}));
  assert.equal(refused.code, Code.PermissionDenied);
  assert.equal(refused.reason, "MFA_REQUIRED");
});

test("a high-impact action with an old second factor asks for a step-up with its maximum age", async () => {
  const m = await mesh();
  const analyst = await m.staff(["risk_analyst"], { authTime: new Date(Date.now() - 10 * 60_000) });
  const customer = await m.customer();
  const refused = await refusal(analyst.backoffice.freezeAccount({ accountId: customer.accountId, reason: "suspicious activity" }));
  assert.equal(refused.code, Code.PermissionDenied);
  assert.equal(refused.reason, "STEP_UP_REQUIRED");
  assert.equal(refused.metadata.max_age_seconds, "300");
});

test("a read with an old second factor needs no step-up", async () => {
  const m = await mesh();
  const analyst = await m.staff(["risk_analyst"], { authTime: new Date(Date.now() - 10 * 60_000) });
  const customer = await m.customer();
  const res = await analyst.backoffice.getAccount({ accountId: customer.accountId });
  assert.equal(res.account?.id, customer.accountId);
});

test("a call without a staff token is refused with Unauthenticated and audited as denied", async () => {
  const m = await mesh();
  const subject = "5b0c2a34-5f0e-4a39-9b7a-6a1d1f3c2e10";
  const refused = await refusal(m.backofficeWith({ "x-internal-subject": subject }).listStaff({}));
  assert.equal(refused.code, Code.Unauthenticated);
  assert.equal(refused.reason, "STAFF_TOKEN_INVALID");
  const entry = await m.db.selectFrom("audit_log").selectAll().where("actor_id", "=", subject).executeTakeFirstOrThrow();
  assert.equal(entry.outcome, "DENIED");
  assert.equal(entry.error_code, "unauthenticated");
});

test("a staff token forwarded under another subject is refused", async () => {
  const m = await mesh();
  const admin = await m.staff(["admin"]);
  const refused = await refusal(m.backofficeWith({ "x-internal-subject": crypto.randomUUID(), authorization: `Bearer ${admin.accessToken}` }).listStaff({}));
  assert.equal(refused.code, Code.Unauthenticated);
  assert.equal(refused.reason, "STAFF_TOKEN_INVALID");
});

test("a staff member whose session was revoked is refused at once", async () => {
  const m = await mesh();
  const admin = await m.staff(["admin"]);
  await admin.backoffice.listStaff({});
  await m.identity.deps.revokedSessions.record([admin.sessionId], "LOGOUT");
  const refused = await refusal(admin.backoffice.listStaff({}));
  assert.equal(refused.code, Code.Unauthenticated);
  assert.equal(refused.reason, "STAFF_TOKEN_INVALID");
});
