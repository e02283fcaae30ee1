/**
 * The staff journey through the REAL services: identity, risk, the ledger, the
 * mobile BFF, the backoffice and the gateway each run as their own process
 * (their `main.ts`), and every staff and customer step is REST+JSON to the
 * edge — except what no app does: the operator's `backoffice:create-admin`
 * command, reading the invitation token from identity's outbox (where the
 * email's token is), and the payments system's signed top-up at the ledger.
 *
 * The approval threshold is made small so a small refund needs four eyes;
 * token lifetimes and the backoffice's step-up age are made long so nothing
 * ages out on a loaded CI (no assertion here is about time).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { LedgerService } from "../../gen/wallet/ledger/v1/ledger_service_pb.js";
import { onboardCustomer, type EdgeAnswer, type EdgeCaller, type EdgeCustomer } from "../mesh/edge-client.js";
import { callAs, eur, expectStatus, LOADED_CI_DEADLINES, phoneIp, type JourneyRequest } from "./journey-support.js";
import { claimsOf, createAuthenticator, createFirstAdmin, invitationToken, totpSecretOf, type Authenticator } from "./staff-support.js";
import { startE2eServices, type E2eServices } from "./start-services.js";

/** Refunds above this many minor units wait for a checker. */
const APPROVAL_THRESHOLD = 1_000;
const TOP_UP = 50_000;
const TRANSFER = 2_500;
const REFUND = 2_000;

/** One staff member at their browser: address, device, credentials, authenticator and (once signed in) token. */
interface StaffMember extends EdgeCaller {
  readonly email: string;
  readonly password: string;
  readonly deviceId: string;
  userId: string;
  authenticator?: Authenticator;
}

const staffMember = (name: string): StaffMember => ({
  ip: phoneIp(),
  email: `${name}-${randomUUID()}@staff.e2e.example`,
  password: `staff ${name} ${randomUUID()}`,
  deviceId: randomUUID(),
  userId: "",
});

/** An audit entry in its JSON form (the fields this journey reads). */
interface AuditEntryJson {
  actorId: string;
  actorRoles?: string[];
  action: string;
  targetType?: string;
  targetId?: string;
  reason?: string;
  outcome: string;
  errorCode?: string;
  approvalId?: string;
  position: string;
  previousHash: string;
  entryHash: string;
}

describe("a staff journey through the REST edge: admin, four-eyes refund, freeze, audit log", () => {
  let services: E2eServices;
  const admin = staffMember("admin");
  // The maker works risk (freezes) and finance (refunds), and as a senior member also approves
  // other staff's requests: holding ROLE_APPROVER, their approval of their own request meets the
  // four-eyes rule itself (APPROVAL_SELF_DECISION), not a missing role. The checker only approves.
  const maker = staffMember("maker");
  const checker = staffMember("checker");
  let payer: EdgeCustomer;
  let payee: EdgeCustomer;
  let transferId = "";
  let refundApproval: { id: string; requestDigest: string } = { id: "", requestDigest: "" };
  let refundTransactionId = "";

  /** A request to the edge as `caller` from the backoffice web app (their IP, their bearer token unless `token` says otherwise). */
  const call = (caller: EdgeCaller, method: string, path: string, options: JourneyRequest = {}): Promise<EdgeAnswer> =>
    callAs(services.edgeUrl, "Backoffice/1.0 (e2e)", caller, method, path, options);

  /** Asserts a problem+json refusal with this status (in the body too) and reason. */
  function expectProblem(answer: EdgeAnswer, status: number, reason: string): void {
    expectStatus(answer, status);
    assert.equal(answer.headers.get("content-type")?.split(";")[0], "application/problem+json");
    assert.equal(answer.body.reason, reason, JSON.stringify(answer.body));
    assert.equal(answer.body.status, status);
  }

  const device = (member: StaffMember) => ({ deviceId: member.deviceId, name: "Backoffice browser", platform: "PLATFORM_WEB", appVersion: "1.0.0" });

  /** Password, then the TOTP challenge; answers the new access token. */
  async function logInWithTotp(member: StaffMember): Promise<string> {
    const login = await call(member, "POST", "/v1/identity/login", { body: { email: member.email, password: member.password, device: device(member) }, token: null });
    expectStatus(login, 200);
    assert.ok(login.body.mfaChallenge?.challengeToken, `expected a second-factor challenge: ${JSON.stringify(login.body)}`);
    const mfa = await call(member, "POST", "/v1/identity/login/mfa", {
      body: { challengeToken: login.body.mfaChallenge.challengeToken, totpCode: await member.authenticator!.code() },
      token: null,
    });
    expectStatus(mfa, 200);
    return mfa.body.tokens.accessToken;
  }

  const balanceOf = async (customer: EdgeCustomer) => {
    const answer = await call(customer, "GET", `/v1/accounts/${customer.accountId}/balance`);
    expectStatus(answer, 200);
    return Number(answer.body.balance.available.amountMinor);
  };

  /** The audit entries matching `query` (newest first), as the admin reads them. */
  async function auditLog(query: Record<string, string>): Promise<AuditEntryJson[]> {
    const answer = await call(admin, "GET", `/v1/admin/audit-log?${new URLSearchParams({ "page.pageSize": "100", ...query })}`);
    expectStatus(answer, 200);
    return answer.body.entries ?? [];
  }

  before(async () => {
    services = await startE2eServices({
      extra: ["backoffice"],
      env: {
        GATEWAY_TRUSTED_PROXIES: "loopback",
        BACKOFFICE_APPROVAL_THRESHOLD_MINOR: String(APPROVAL_THRESHOLD),
        ...LOADED_CI_DEADLINES,
        BACKOFFICE_UPSTREAM_TIMEOUT: "15s",
        // Neither a token nor the staff's second factor may age out during the run.
        IDENTITY_ACCESS_TOKEN_TTL: "30m",
        BACKOFFICE_STEP_UP_MAX_AGE: "30m",
      },
    });
  });
  after(async () => {
    await services?.shutdown();
  });

  test("an admin created by backoffice:create-admin logs in with password and TOTP and gets a token with roles [admin]", async () => {
    const created = await createFirstAdmin(services.env, admin.email, "First Admin", admin.password);
    assert.match(created.totpUri, /^otpauth:\/\/totp\//);
    assert.ok(created.recoveryCodes.length > 0, "no recovery codes");
    admin.userId = created.userId;
    admin.authenticator = createAuthenticator(totpSecretOf(created.totpUri));

    admin.accessToken = await logInWithTotp(admin);
    const claims = claimsOf(admin.accessToken);
    assert.equal(claims.sub, admin.userId);
    assert.deepEqual(claims.roles, ["admin"]);
    assert.ok(claims.amr?.includes("otp"), `amr ${JSON.stringify(claims.amr)}`);
  });

  test("the admin creates a maker (risk analyst, finance and approver) and a checker (approver) through the edge", async () => {
    for (const [member, roles, name] of [
      [maker, ["ROLE_RISK_ANALYST", "ROLE_FINANCE", "ROLE_APPROVER"], "Mia Maker"],
      [checker, ["ROLE_APPROVER"], "Chris Checker"],
    ] as const) {
      const answer = await call(admin, "POST", "/v1/admin/staff", { body: { email: member.email, displayName: name, roles, reason: "new team member" } });
      expectStatus(answer, 200);
      assert.equal(answer.body.staff.email, member.email);
      assert.equal(answer.body.staff.kind, "USER_KIND_STAFF");
      assert.deepEqual([...answer.body.staff.roles].sort(), [...roles].sort());
      member.userId = answer.body.staff.id;
    }
  });

  test("each new staff member sets a password from the invitation, enrols TOTP and logs in with TOTP to get their roles", async () => {
    for (const [member, roles] of [
      [maker, ["risk_analyst", "finance", "approver"]],
      [checker, ["approver"]],
    ] as const) {
      const token = await invitationToken(services.env.IDENTITY_DATABASE_URL!, member.userId);
      const recovery = await call(member, "POST", "/v1/identity/recovery/complete", { body: { token, newPassword: member.password } });
      expectStatus(recovery, 200);

      // Without a second factor the token carries no role: the edge keeps it out of the backoffice.
      const login = await call(member, "POST", "/v1/identity/login", { body: { email: member.email, password: member.password, device: device(member) } });
      expectStatus(login, 200);
      member.accessToken = login.body.tokens?.accessToken;
      assert.ok(member.accessToken, `expected tokens: ${JSON.stringify(login.body)}`);
      assert.deepEqual(claimsOf(member.accessToken).roles ?? [], []);
      expectProblem(await call(member, "GET", "/v1/admin/approval-requests"), 403, "STAFF_ROLE_REQUIRED");

      const begin = await call(member, "POST", "/v1/identity/me/mfa/totp", { body: {} });
      expectStatus(begin, 200);
      member.authenticator = createAuthenticator(begin.body.secret);
      const confirm = await call(member, "POST", "/v1/identity/me/mfa/totp/confirm", { body: { totpCode: await member.authenticator.code() } });
      expectStatus(confirm, 200);
      assert.equal(confirm.body.recoveryCodes.length, 10);

      member.accessToken = await logInWithTotp(member);
      const claims = claimsOf(member.accessToken);
      assert.equal(claims.sub, member.userId);
      assert.deepEqual([...(claims.roles ?? [])].sort(), [...roles].sort());
      assert.ok(claims.amr?.includes("otp"), `amr ${JSON.stringify(claims.amr)}`);
    }
  });

  test("a customer onboards, is topped up by the payments system and transfers to a second customer", async () => {
    payer = await onboardCustomer(services.edgeUrl, phoneIp(), `payer-${randomUUID()}@e2e.example`);
    payee = await onboardCustomer(services.edgeUrl, phoneIp(), `payee-${randomUUID()}@e2e.example`);
    const ledger = createClient(LedgerService, createGrpcTransport({ baseUrl: services.grpcUrl.ledger, interceptors: [services.signer("payments")] }));
    await ledger.topUp({ accountId: payer.accountId, amount: { amountMinor: BigInt(TOP_UP), currency: "EUR" }, idempotencyKey: randomUUID(), description: "card top-up" });
    assert.equal(await balanceOf(payer), TOP_UP);

    const transfer = await call(payer, "POST", "/v1/transfers", {
      body: { recipientAccountId: payee.accountId, amount: eur(TRANSFER), description: "concert tickets" },
      headers: { "idempotency-key": randomUUID() },
    });
    expectStatus(transfer, 200);
    transferId = transfer.body.transaction.id;
    assert.ok(transferId, JSON.stringify(transfer.body));
    assert.equal(transfer.body.balance.available.amountMinor, String(TOP_UP - TRANSFER));
  });

  test("the maker finds the customer by email and freezes their account with a reason", async () => {
    const search = await call(maker, "GET", `/v1/admin/users?${new URLSearchParams({ query: payer.email })}`);
    expectStatus(search, 200);
    assert.deepEqual(
      search.body.users.map((u: { id: string }) => u.id),
      [payer.userId],
    );
    assert.equal(search.body.users[0].kind, "USER_KIND_CUSTOMER");

    const freeze = await call(maker, "POST", `/v1/admin/accounts/${payer.accountId}/freeze`, { body: { reason: "suspicious login pattern, under review" } });
    expectStatus(freeze, 200);
    assert.equal(freeze.body.account.id, payer.accountId);
    assert.equal(freeze.body.account.status, "ACCOUNT_STATUS_FROZEN");
  });

  test("the frozen customer's next transfer is refused by the edge with 422 ACCOUNT_FROZEN and moves nothing", async () => {
    const refused = await call(payer, "POST", "/v1/transfers", {
      body: { recipientAccountId: payee.accountId, amount: eur(1_000), description: "one more" },
      headers: { "idempotency-key": randomUUID() },
    });
    expectProblem(refused, 422, "ACCOUNT_FROZEN");
    assert.equal(await balanceOf(payer), TOP_UP - TRANSFER);
    assert.equal(await balanceOf(payee), TRANSFER);
  });

  // Why the unfreeze comes before the refund: a refund credits the payer's wallet, and the
  // ledger refuses any movement to or from a frozen account (ACCOUNT_FROZEN), so an approved
  // refund to the frozen payer would end FAILED. The review concludes first (the account is
  // unfrozen, itself under four eyes), then the disputed transfer is refunded at the customer's request.
  test("unfreezing waits for the checker's approval, which unfreezes the account", async () => {
    const asked = await call(maker, "POST", `/v1/admin/accounts/${payer.accountId}/unfreeze`, {
      body: { reason: "review done: the customer confirmed the logins", reasonCode: "REASON_CODE_RISK_REVIEW" },
    });
    expectStatus(asked, 200);
    assert.equal(asked.body.account, undefined);
    assert.equal(asked.body.approvalRequest.status, "APPROVAL_STATUS_PENDING");
    assert.equal(asked.body.approvalRequest.action, "UnfreezeAccount");
    const unfreezeApprovalId = asked.body.approvalRequest.id;
    expectProblem(
      await call(payer, "POST", "/v1/transfers", {
        body: { recipientAccountId: payee.accountId, amount: eur(1_000) },
        headers: { "idempotency-key": randomUUID() },
      }),
      422,
      "ACCOUNT_FROZEN",
    );

    const approved = await call(checker, "POST", `/v1/admin/approval-requests/${unfreezeApprovalId}/approve`, {
      body: { note: "checked the review", expectedDigest: asked.body.approvalRequest.requestDigest },
    });
    expectStatus(approved, 200);
    assert.equal(approved.body.approvalRequest.status, "APPROVAL_STATUS_EXECUTED");
    assert.equal(approved.body.approvalRequest.checkerId, checker.userId);
    const account = await call(maker, "GET", `/v1/admin/accounts/${payer.accountId}`);
    expectStatus(account, 200);
    assert.equal(account.body.account.status, "ACCOUNT_STATUS_ACTIVE");
  });

  describe("a refund above the approval threshold", () => {
    const key = randomUUID();
    const refund = () =>
      call(maker, "POST", `/v1/admin/transactions/${transferId}/refunds`, {
        body: { amount: eur(REFUND), reason: "customer disputes the tickets", reasonCode: "REASON_CODE_CUSTOMER_REQUEST", ticketReference: "SUP-4711" },
        headers: { "idempotency-key": key },
      });

    test("without an Idempotency-Key is refused by the edge with 400", async () => {
      const answer = await call(maker, "POST", `/v1/admin/transactions/${transferId}/refunds`, {
        body: { amount: eur(REFUND), reason: "customer disputes the tickets", reasonCode: "REASON_CODE_CUSTOMER_REQUEST" },
      });
      expectProblem(answer, 400, "IDEMPOTENCY_KEY_MISSING");
    });

    test("opens an approval request instead of refunding, and a retry with the same key answers the same request", async () => {
      const asked = await refund();
      expectStatus(asked, 200);
      assert.equal(asked.body.refund, undefined);
      const request = asked.body.approvalRequest;
      assert.equal(request.status, "APPROVAL_STATUS_PENDING");
      assert.equal(request.action, "IssueRefund");
      assert.equal(request.targetType, "transaction");
      assert.equal(request.targetId, transferId);
      assert.equal(request.makerId, maker.userId);
      assert.deepEqual(request.amount, eur(REFUND));
      assert.equal(request.reasonCode, "REASON_CODE_CUSTOMER_REQUEST");
      assert.equal(request.ticketReference, "SUP-4711");
      assert.match(request.requestDigest, /^[0-9a-f]{64}$/);
      refundApproval = { id: request.id, requestDigest: request.requestDigest };

      const retry = await refund();
      expectStatus(retry, 200);
      assert.equal(retry.body.approvalRequest.id, refundApproval.id);
      // Nothing moved yet.
      assert.equal(await balanceOf(payer), TOP_UP - TRANSFER);
      assert.equal(await balanceOf(payee), TRANSFER);
    });

    test("the maker's own approval is refused with 403 APPROVAL_SELF_DECISION and the request stays pending", async () => {
      const denied = await call(maker, "POST", `/v1/admin/approval-requests/${refundApproval.id}/approve`, {
        body: { expectedDigest: refundApproval.requestDigest },
      });
      expectProblem(denied, 403, "APPROVAL_SELF_DECISION");
      const pending = await call(checker, "GET", `/v1/admin/approval-requests/${refundApproval.id}`);
      expectStatus(pending, 200);
      assert.equal(pending.body.approvalRequest.status, "APPROVAL_STATUS_PENDING");
    });

    test("the checker, an approver only, may not issue refunds themselves (403 MISSING_ROLE)", async () => {
      const answer = await call(checker, "POST", `/v1/admin/transactions/${transferId}/refunds`, {
        body: { amount: eur(100), reason: "trying", reasonCode: "REASON_CODE_CUSTOMER_REQUEST" },
        headers: { "idempotency-key": randomUUID() },
      });
      expectProblem(answer, 403, "MISSING_ROLE");
    });

    test("the checker approves it: EXECUTED with the ledger's refund transaction", async () => {
      const approved = await call(checker, "POST", `/v1/admin/approval-requests/${refundApproval.id}/approve`, {
        body: { note: "receipt checked", expectedDigest: refundApproval.requestDigest },
      });
      expectStatus(approved, 200);
      const request = approved.body.approvalRequest;
      assert.equal(request.status, "APPROVAL_STATUS_EXECUTED");
      assert.equal(request.checkerId, checker.userId);
      assert.equal(request.decisionNote, "receipt checked");
      assert.ok(request.transactionId, JSON.stringify(request));
      refundTransactionId = request.transactionId;

      const again = await call(checker, "POST", `/v1/admin/approval-requests/${refundApproval.id}/approve`, { body: {} });
      expectProblem(again, 422, "APPROVAL_NOT_PENDING");
    });

    test("the refund shows on both customers' statements and balances, once", async () => {
      assert.equal(await balanceOf(payer), TOP_UP - TRANSFER + REFUND);
      assert.equal(await balanceOf(payee), TRANSFER - REFUND);
      const statement = await call(payer, "GET", `/v1/accounts/${payer.accountId}/statement`);
      expectStatus(statement, 200);
      const refunds = statement.body.entries.filter((e: { transactionId: string }) => e.transactionId === refundTransactionId);
      assert.equal(refunds.length, 1);
      assert.equal(refunds[0].type, "TRANSACTION_TYPE_REFUND");
      assert.equal(refunds[0].direction, "DIRECTION_INCOMING");
      assert.deepEqual(refunds[0].amount, eur(REFUND));

      const transaction = await call(maker, "GET", `/v1/admin/transactions/${refundTransactionId}`);
      expectStatus(transaction, 200);
      assert.equal(transaction.body.transaction.type, "TRANSACTION_TYPE_REFUND");
    });
  });

  test("the admin reads the audit log: the freeze, the refund request and its approval, with actors and chained hashes", async () => {
    const [freeze] = await auditLog({ action: "FreezeAccount", targetId: payer.accountId });
    assert.ok(freeze, "no FreezeAccount entry");
    assert.equal(freeze.actorId, maker.userId);
    assert.deepEqual([...(freeze.actorRoles ?? [])].sort(), ["ROLE_APPROVER", "ROLE_FINANCE", "ROLE_RISK_ANALYST"]);
    assert.equal(freeze.targetType, "account");
    assert.equal(freeze.reason, "suspicious login pattern, under review");
    assert.equal(freeze.outcome, "AUDIT_OUTCOME_SUCCEEDED");

    // The call that opened the request and its retry (answered by replay, opening nothing) both name it.
    const requests = await auditLog({ action: "IssueRefund", targetId: transferId });
    const naming = requests.filter((e) => e.approvalId === refundApproval.id);
    const request = naming.at(-1);
    assert.ok(request && naming.length === 2, `expected the request and its retry to name the approval request: ${JSON.stringify(requests)}`);
    assert.notEqual(naming[0]!.position, naming[1]!.position, "two calls, two entries");
    assert.equal(request.actorId, maker.userId);
    assert.equal(request.outcome, "AUDIT_OUTCOME_SUCCEEDED");
    assert.equal(request.targetType, "transaction");
    assert.equal(request.reason, "customer disputes the tickets");

    const decisions = await auditLog({ action: "ApproveApprovalRequest", targetId: refundApproval.id });
    const byOutcome = (outcome: string) => decisions.filter((e) => e.outcome === outcome);
    assert.deepEqual(
      byOutcome("AUDIT_OUTCOME_DENIED").map((e) => [e.actorId, e.errorCode]),
      [[maker.userId, "permission_denied"]],
    );
    const [approval] = byOutcome("AUDIT_OUTCOME_SUCCEEDED");
    assert.ok(approval, JSON.stringify(decisions));
    assert.equal(approval.actorId, checker.userId);
    assert.deepEqual(approval.actorRoles, ["ROLE_APPROVER"]);
    assert.equal(approval.approvalId, refundApproval.id);
    assert.equal(approval.targetType, "approval_request");

    // The whole log, in chain order: positions 1, 2, 3... each entry's previous hash the entry before's hash.
    const all = (await auditLog({})).sort((a, b) => Number(a.position) - Number(b.position));
    const [first] = all;
    assert.ok(first && all.length < 100, `expected the whole log on one page, got ${all.length} entries`);
    assert.equal(first.action, "CreateFirstAdmin");
    assert.equal(first.actorId, admin.userId);
    assert.equal(first.previousHash, "0".repeat(64));
    all.forEach((entry, i) => {
      assert.equal(entry.position, String(i + 1));
      assert.match(entry.entryHash, /^[0-9a-f]{64}$/);
      if (i > 0) assert.equal(entry.previousHash, all[i - 1]!.entryHash, `position ${entry.position}`);
    });
    for (const entry of [freeze, request, approval]) assert.ok(all.some((e) => e.entryHash === entry.entryHash), `${entry.action} is not in the chain`);
  });

  test("a customer's token on /v1/admin/... is refused 403 by the edge (coarse staff check)", async () => {
    for (const [method, path] of [
      ["GET", `/v1/admin/users?query=${encodeURIComponent(payer.email)}`],
      ["POST", `/v1/admin/approval-requests/${refundApproval.id}/approve`],
    ] as const) {
      const answer = await call(payer, method, path, method === "POST" ? { body: {} } : {});
      expectProblem(answer, 403, "STAFF_ROLE_REQUIRED");
      assert.match(answer.headers.get("www-authenticate") ?? "", /error="insufficient_scope"/);
    }
    // Nothing about the customer's call reached the backoffice's audit log.
    assert.deepEqual(await auditLog({ actorId: payer.userId }), []);
  });
});
