import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { ApprovalStatus, ReasonCode } from "#gen/wallet/backoffice/v1/approval_pb.js";
import { AccountStatus } from "#gen/wallet/backoffice/v1/account_pb.js";
import { AlertResolution, AlertSeverity, AlertStatus } from "#gen/wallet/backoffice/v1/risk_alert_pb.js";
import { TransactionType } from "#gen/wallet/backoffice/v1/transaction_pb.js";
import { Channel } from "#gen/wallet/notification/v1/notification_pb.js";
import { Role, UserStatus } from "#gen/wallet/identity/v1/user_pb.js";
import { seedRecipient } from "../../notification/test/support/notification-harness.js";
import { insertAlert } from "../../risk/src/storage/alerts.repository.js";
import { eur, refusal, useBackofficeMesh } from "./support/backoffice-harness.js";

const mesh = useBackofficeMesh();

test("support searches users by email and reads one with accounts, devices and sessions", async () => {
  const m = await mesh();
  const support = await m.staff(["support"]);
  const customer = await m.customer(2_000n);
  const found = await support.backoffice.searchUsers({ query: customer.email });
  assert.deepEqual(found.users.map((u) => u.id), [customer.userId]);
  const detail = await support.backoffice.getUser({ userId: customer.userId });
  assert.equal(detail.user?.email, customer.email);
  assert.deepEqual(detail.accounts.map((a) => [a.id, a.available?.amountMinor]), [[customer.accountId, 2_000n]]);
});

test("a search under three characters is refused naming the field", async () => {
  const m = await mesh();
  const support = await m.staff(["support"]);
  const refused = await refusal(support.backoffice.searchUsers({ query: "ab" }));
  assert.equal(refused.code, Code.InvalidArgument);
  assert.equal(refused.metadata.field, "query");
});

test("an unknown user is NotFound", async () => {
  const m = await mesh();
  const support = await m.staff(["support"]);
  const refused = await refusal(support.backoffice.getUser({ userId: randomUUID() }));
  assert.equal(refused.code, Code.NotFound);
});

test("locking a user revokes their sessions and unlocking makes them active again", async () => {
  const m = await mesh();
  const support = await m.staff(["support"]);
  const customer = await m.customer(0n);
  const locked = await support.backoffice.lockUser({ userId: customer.userId, reason: "account takeover reported" });
  assert.equal(locked.user?.status, UserStatus.LOCKED);
  const unlocked = await support.backoffice.unlockUser({ userId: customer.userId, reason: "identity confirmed by phone" });
  assert.equal(unlocked.user?.status, UserStatus.ACTIVE);
});

test("locking without a reason is refused naming the field, and staff cannot lock themselves", async () => {
  const m = await mesh();
  const support = await m.staff(["support"]);
  const customer = await m.customer(0n);
  const noReason = await refusal(support.backoffice.lockUser({ userId: customer.userId, reason: "" }));
  assert.equal(noReason.code, Code.InvalidArgument);
  assert.equal(noReason.reason, "REASON_REQUIRED");
  assert.equal(noReason.metadata.field, "reason");
  const self = await refusal(support.backoffice.lockUser({ userId: support.id, reason: "testing" }));
  assert.equal(self.code, Code.PermissionDenied);
  assert.equal(self.reason, "SELF_ACTION_FORBIDDEN");
});

test("revoking a user's sessions answers how many were revoked", async () => {
  const m = await mesh();
  const support = await m.staff(["support"]);
  const customer = await m.customer(0n);
  const res = await support.backoffice.revokeUserSessions({ userId: customer.userId, reason: "lost phone" });
  assert.equal(res.revokedSessions, 0);
});

test("resetting a user's MFA waits for approval", async () => {
  const m = await mesh();
  const support = await m.staff(["support"]);
  const customer = await m.customer(0n);
  const res = await support.backoffice.resetUserMfa({ userId: customer.userId, reason: "lost authenticator, identity checked", reasonCode: ReasonCode.CUSTOMER_REQUEST });
  assert.equal(res.approvalRequest?.status, ApprovalStatus.PENDING);
  assert.equal(res.approvalRequest?.action, "ResetUserMfa");
});

test("a frozen account refuses the customer's transfer, and freezing it again changes nothing", async () => {
  const m = await mesh();
  const analyst = await m.staff(["risk_analyst"]);
  const [payer, payee] = [await m.customer(5_000n), await m.customer(0n)];
  const frozen = await analyst.backoffice.freezeAccount({ accountId: payer.accountId, reason: "card testing pattern" });
  assert.equal(frozen.account?.status, AccountStatus.FROZEN);
  await assert.rejects(m.transfer(payer, payee, 1_000n), /frozen/i);
  const again = await analyst.backoffice.freezeAccount({ accountId: payer.accountId, reason: "card testing pattern" });
  assert.equal(again.account?.status, AccountStatus.FROZEN);
});

test("unfreezing an account that is not frozen is refused", async () => {
  const m = await mesh();
  const analyst = await m.staff(["risk_analyst"]);
  const customer = await m.customer(0n);
  const refused = await refusal(analyst.backoffice.unfreezeAccount({ accountId: customer.accountId, reason: "x", reasonCode: ReasonCode.RISK_REVIEW }));
  assert.equal(refused.code, Code.FailedPrecondition);
  assert.equal(refused.reason, "ACCOUNT_NOT_FROZEN");
});

test("an account's history and a transaction's detail show the transfer", async () => {
  const m = await mesh();
  const finance = await m.staff(["finance"]);
  const [payer, payee] = [await m.customer(5_000n), await m.customer(0n)];
  const transactionId = await m.transfer(payer, payee, 1_200n);
  const history = await finance.backoffice.listAccountTransactions({ accountId: payer.accountId });
  assert.equal(history.entries[0]?.transactionId, transactionId);
  assert.equal(history.entries[0]?.amount?.amountMinor, -1_200n);
  const detail = await finance.backoffice.getTransaction({ transactionId });
  assert.equal(detail.transaction?.type, TransactionType.TRANSFER);
  assert.equal(detail.transaction?.sourceAccountId, payer.accountId);
  assert.equal(detail.transaction?.destinationAccountId, payee.accountId);
});

test("the ledger integrity check reports a clean ledger", async () => {
  const m = await mesh();
  const finance = await m.staff(["finance"]);
  await m.customer(1_000n);
  const res = await finance.backoffice.verifyLedgerIntegrity({ reason: "month-end close" });
  assert.equal(res.ok, true);
  assert.ok(res.accountsChecked > 0n);
});

test("a risk analyst lists, acknowledges and resolves an alert", async () => {
  const m = await mesh();
  const analyst = await m.staff(["risk_analyst"]);
  const userId = randomUUID();
  const alert = (await insertAlert(
    m.risk.db,
    {
      kind: "HIGH_VALUE_TRANSACTION",
      severity: "HIGH",
      title: "Transfer of 12,000.00 EUR at or above 10,000.00",
      userId,
      accountId: randomUUID(),
      transactionId: randomUUID(),
      amount: { amountMinor: 1_200_000n, currency: "EUR" },
      ruleIds: ["amount.eur.review"],
      sourceEventId: randomUUID(),
    },
    new Date(),
  ))!;
  const listed = await analyst.backoffice.listRiskAlerts({ userId, minSeverity: AlertSeverity.MEDIUM, ruleId: "amount.eur.review" });
  assert.deepEqual(listed.alerts.map((a) => a.id), [alert.id]);
  const acked = await analyst.backoffice.acknowledgeRiskAlert({ alertId: alert.id });
  assert.equal(acked.alert?.status, AlertStatus.ACKNOWLEDGED);
  assert.equal(acked.alert?.acknowledgedBy, analyst.id);
  const resolved = await analyst.backoffice.resolveRiskAlert({ alertId: alert.id, resolution: AlertResolution.FALSE_POSITIVE, note: "known payroll transfer" });
  assert.equal(resolved.alert?.status, AlertStatus.RESOLVED);
  const got = await analyst.backoffice.getRiskAlert({ alertId: alert.id });
  assert.equal(got.alert?.resolutionNote, "known payroll transfer");
});

test("resolving an alert without a note is refused naming the field", async () => {
  const m = await mesh();
  const analyst = await m.staff(["risk_analyst"]);
  const refused = await refusal(analyst.backoffice.resolveRiskAlert({ alertId: randomUUID(), resolution: AlertResolution.FALSE_POSITIVE, note: "" }));
  assert.equal(refused.code, Code.InvalidArgument);
  assert.equal(refused.metadata.field, "note");
});

test("support sends a test notification; an admin lists and replays dead letters", async () => {
  const m = await mesh();
  const support = await m.staff(["support"]);
  const admin = await m.staff(["admin"]);
  const customer = await m.customer(0n);
  await seedRecipient({ db: m.notificationDb, clock: () => new Date() }, { userId: customer.userId, email: customer.email });
  const sent = await support.backoffice.sendTestNotification({ userId: customer.userId, channel: Channel.EMAIL, reason: "checking the email provider" });
  assert.ok(sent.notification?.id);
  const dead = await admin.backoffice.listNotificationDeadLetters({});
  assert.equal(dead.deadLetters.length, 0);
  const replayed = await admin.backoffice.replayNotificationDeadLetters({ reason: "provider back", limit: 10 });
  assert.equal(replayed.replayed, 0);
});

test("an admin creates a staff member, lists staff and revokes a role; admins cannot change their own roles", async () => {
  const m = await mesh();
  const admin = await m.staff(["admin"]);
  const created = await admin.backoffice.createStaff({
    email: `agent.${randomUUID().slice(0, 8)}@wallet.example`,
    displayName: "New Agent",
    roles: [Role.SUPPORT, Role.RISK_ANALYST],
    reason: "new hire",
  });
  const staffId = created.staff!.id;
  const listed = await admin.backoffice.listStaff({ role: Role.SUPPORT });
  assert.ok(listed.staff.some((s) => s.id === staffId));
  const revoked = await admin.backoffice.revokeRole({ userId: staffId, role: Role.RISK_ANALYST, reason: "moved team" });
  assert.deepEqual(revoked.staff?.roles, [Role.SUPPORT]);
  const self = await refusal(admin.backoffice.revokeRole({ userId: admin.id, role: Role.ADMIN, reason: "x" }));
  assert.equal(self.reason, "SELF_ACTION_FORBIDDEN");
  const entry = await m.db.selectFrom("audit_log").selectAll().where("action", "=", "CreateStaff").executeTakeFirstOrThrow();
  assert.equal(entry.target_id, staffId);
});

test("a refund below the threshold over a direct call answers the posted refund and what is left", async () => {
  const m = await mesh();
  const finance = await m.staff(["finance"]);
  const [payer, payee] = [await m.customer(5_000n), await m.customer(0n)];
  const transactionId = await m.transfer(payer, payee, 3_000n);
  const res = await finance.backoffice.issueRefund({ transactionId, amount: eur(1_000n), reason: "partial return", idempotencyKey: randomUUID() });
  assert.equal(res.refund?.type, TransactionType.REFUND);
  assert.equal(res.remainingRefundable?.amountMinor, 2_000n);
});

test("an upstream that is down answers Unavailable and records the call as failed", async () => {
  const m = await mesh();
  const analyst = await m.staff(["risk_analyst"]);
  const broken = { ...m.deps, risk: new Proxy(m.deps.risk, { get: () => async () => { throw new (await import("@connectrpc/connect")).ConnectError("risk is down", Code.Unavailable); } }) };
  const { createBackofficeRoutes } = await import("../src/routes.js");
  const { createRouterTransport, createClient } = await import("@connectrpc/connect");
  const { asVerifiedCaller } = await import("#platform/internal-auth/testing/index.js");
  const { BackofficeService } = await import("#gen/wallet/backoffice/v1/backoffice_service_pb.js");
  const client = createClient(
    BackofficeService,
    createRouterTransport(createBackofficeRoutes(broken), { router: { interceptors: [asVerifiedCaller({ callerId: "gateway", subject: analyst.id, mode: "off" })] } }),
  );
  const refused = await refusal(client.listRiskAlerts({}, { headers: { authorization: `Bearer ${analyst.accessToken}` } }));
  assert.equal(refused.code, Code.Unavailable);
  const entry = await m.db.selectFrom("audit_log").selectAll().where("actor_id", "=", analyst.id).executeTakeFirstOrThrow();
  assert.equal(entry.outcome, "FAILED");
  assert.equal(entry.error_code, "unavailable");
});
