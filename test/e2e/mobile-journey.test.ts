/**
 * The mobile journey through the REAL services: identity, the ledger, the
 * mobile BFF and the gateway each run as their own process (their `main.ts`),
 * and the test speaks only REST+JSON to the edge, as an app does — except for
 * the top-up, which comes from the payments side as a signed gRPC call to the
 * ledger (the ledger is internal; its funding path is `TopUp`).
 *
 * Limits are made small (per IP, per user, breaker) so they can be reached in
 * a few requests. The gateway trusts loopback as its TLS-terminating proxy, so
 * each simulated phone sends its own address in `X-Forwarded-For`: per-IP
 * budgets of one step do not leak into another, nor into parallel test files.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { LedgerService } from "../../gen/wallet/ledger/v1/ledger_service_pb.js";
import type { EdgeAnswer } from "../mesh/edge-client.js";
import { callAs, eur, expectStatus, LOADED_CI_DEADLINES, phoneIp, totpAt, type JourneyRequest } from "./journey-support.js";
import { startE2eServices, type E2eServices } from "./start-services.js";

const PER_IP = 60;
const PER_USER = 40;
const STEP_UP_AMOUNT = 100_000;
const BREAKER_FAILURES = 3;
const BREAKER_HALF_OPEN_MS = 2_000;

/** An answer of the edge. */
/** The parsed JSON (a problem+json on refusals), or the text when it is not JSON. */
type Answer = EdgeAnswer;

/** One simulated app installation: its address, device and (once logged in) tokens. */
interface Phone {
  readonly ip: string;
  readonly deviceId: string;
  accessToken?: string;
}

describe("a mobile app's journey through the REST edge", () => {
  let services: E2eServices;
  const password = `e2e ${randomUUID()}`;
  const users = {
    a: { email: `a-${randomUUID()}@e2e.example`, phone: { ip: phoneIp(), deviceId: randomUUID() } as Phone, userId: "", accountId: "", totpSecret: "" },
    b: { email: `b-${randomUUID()}@e2e.example`, phone: { ip: phoneIp(), deviceId: randomUUID() } as Phone, userId: "", accountId: "" },
  };
  let transfer: Answer;
  const transferKey = randomUUID();

  /** A request to the edge as `phone` (its IP, its bearer token unless `token` says otherwise). */
  const call = (phone: Phone, method: string, path: string, options: JourneyRequest = {}): Promise<Answer> =>
    callAs(services.edgeUrl, "WalletApp/3.14 (e2e)", phone, method, path, options);

  const device = (phone: Phone, name: string) => ({ deviceId: phone.deviceId, name, platform: "PLATFORM_IOS", appVersion: "3.14.0" });
  const balanceOf = async (phone: Phone, accountId: string) => {
    const answer = await call(phone, "GET", `/v1/accounts/${accountId}/balance`);
    expectStatus(answer, 200);
    return Number(answer.body.balance.available.amountMinor);
  };

  before(async () => {
    services = await startE2eServices({
      env: {
        GATEWAY_TRUSTED_PROXIES: "loopback",
        GATEWAY_RATE_LIMIT_PER_IP: String(PER_IP),
        GATEWAY_RATE_LIMIT_PER_USER: String(PER_USER),
        GATEWAY_STEP_UP_AMOUNT_MINOR: String(STEP_UP_AMOUNT),
        GATEWAY_BREAKER_FAILURES: String(BREAKER_FAILURES),
        GATEWAY_BREAKER_HALF_OPEN_AFTER: `${BREAKER_HALF_OPEN_MS}ms`,
        GATEWAY_UPSTREAM_MAX_RETRIES: "1",
        ...LOADED_CI_DEADLINES,
      },
    });
  });
  after(async () => {
    await services?.shutdown();
  });

  test("two users sign up through onboarding and each gets a EUR wallet", async () => {
    for (const [name, user] of Object.entries(users)) {
      const answer = await call(user.phone, "POST", "/v1/onboarding", {
        body: { email: user.email, password, device: device(user.phone, `${name}'s iPhone`), currency: "EUR", displayName: `User ${name.toUpperCase()}` },
      });
      expectStatus(answer, 200);
      assert.ok(answer.body.userId);
      assert.equal(answer.body.account.currency, "EUR");
      user.userId = answer.body.userId;
      user.accountId = answer.body.account.id;
    }
    assert.notEqual(users.a.accountId, users.b.accountId);
  });

  test("both users log in and get an access token the edge accepts", async () => {
    for (const user of Object.values(users)) {
      const login = await call(user.phone, "POST", "/v1/identity/login", { body: { email: user.email, password, device: device(user.phone, "iPhone") } });
      expectStatus(login, 200);
      assert.ok(login.body.tokens?.accessToken, JSON.stringify(login.body));
      user.phone.accessToken = login.body.tokens.accessToken;
      const bootstrap = await call(user.phone, "GET", "/v1/bootstrap");
      expectStatus(bootstrap, 200);
      assert.equal(bootstrap.body.profile.userId, user.userId);
      assert.deepEqual(bootstrap.body.accounts.map((a: { id: string }) => a.id), [user.accountId]);
    }
  });

  test("a request without a token is refused with 401 and a Bearer challenge", async () => {
    const answer = await call(users.a.phone, "GET", "/v1/bootstrap", { token: null });
    expectStatus(answer, 401);
    assert.match(answer.headers.get("www-authenticate") ?? "", /^Bearer/);
  });

  test("user A enrols TOTP: begin, then confirm with a code computed from the secret", async () => {
    const begin = await call(users.a.phone, "POST", "/v1/identity/me/mfa/totp", { body: {} });
    expectStatus(begin, 200);
    assert.match(begin.body.otpauthUri, /^otpauth:\/\/totp\//);
    users.a.totpSecret = begin.body.secret;
    const confirm = await call(users.a.phone, "POST", "/v1/identity/me/mfa/totp/confirm", { body: { totpCode: totpAt(users.a.totpSecret, Date.now()) } });
    expectStatus(confirm, 200);
    assert.equal(confirm.body.recoveryCodes.length, 10);
  });

  test("user A is topped up through the ledger's funding path and sees the balance", async () => {
    const ledger = createClient(
      LedgerService,
      createGrpcTransport({
        baseUrl: services.grpcUrl.ledger,
        interceptors: [services.signer("payments")],
      }),
    );
    await ledger.topUp({ accountId: users.a.accountId, amount: { amountMinor: 500_000n, currency: "EUR" }, idempotencyKey: randomUUID(), description: "card top-up" });
    assert.equal(await balanceOf(users.a.phone, users.a.accountId), 500_000);
  });

  test("a transfer without an Idempotency-Key is refused with 400", async () => {
    const answer = await call(users.a.phone, "POST", "/v1/transfers", { body: { recipientAccountId: users.b.accountId, amount: eur(2_500) } });
    expectStatus(answer, 400);
  });

  test("user A transfers to user B with an Idempotency-Key", async () => {
    transfer = await call(users.a.phone, "POST", "/v1/transfers", {
      body: { recipientAccountId: users.b.accountId, amount: eur(2_500), description: "pizza" },
      headers: { "idempotency-key": transferKey },
    });
    expectStatus(transfer, 200);
    assert.ok(transfer.body.transaction.id);
    assert.equal(transfer.body.transaction.direction, "DIRECTION_OUTGOING");
    assert.equal(transfer.body.balance.available.amountMinor, "497500");
  });

  test("retrying the transfer with the same key answers the same response and posts once", async () => {
    const retry = await call(users.a.phone, "POST", "/v1/transfers", {
      body: { recipientAccountId: users.b.accountId, amount: eur(2_500), description: "pizza" },
      headers: { "idempotency-key": transferKey },
    });
    expectStatus(retry, 200);
    assert.deepEqual(retry.body, transfer.body);
    assert.equal(await balanceOf(users.a.phone, users.a.accountId), 497_500);
    assert.equal(await balanceOf(users.b.phone, users.b.accountId), 2_500);
  });

  test("the same key with a different body is refused with 422", async () => {
    const answer = await call(users.a.phone, "POST", "/v1/transfers", {
      body: { recipientAccountId: users.b.accountId, amount: eur(2_600), description: "pizza" },
      headers: { "idempotency-key": transferKey },
    });
    expectStatus(answer, 422);
    assert.equal(answer.body.reason, "IDEMPOTENCY_KEY_REUSED");
  });

  test("both statements show the transfer once, each from its own side", async () => {
    const a = await call(users.a.phone, "GET", `/v1/accounts/${users.a.accountId}/statement`);
    expectStatus(a, 200);
    const aTransfers = a.body.entries.filter((e: { transactionId: string }) => e.transactionId === transfer.body.transaction.id);
    assert.equal(aTransfers.length, 1);
    assert.equal(aTransfers[0].direction, "DIRECTION_OUTGOING");
    assert.ok(a.body.entries.some((e: { type: string }) => e.type === "TRANSACTION_TYPE_TOP_UP"));

    const b = await call(users.b.phone, "GET", `/v1/accounts/${users.b.accountId}/statement`);
    expectStatus(b, 200);
    assert.equal(b.body.entries.length, 1);
    assert.equal(b.body.entries[0].transactionId, transfer.body.transaction.id);
    assert.equal(b.body.entries[0].direction, "DIRECTION_INCOMING");
    assert.deepEqual(b.body.entries[0].amount, eur(2_500));
  });

  test("the sender cannot refund their own transfer (403)", async () => {
    const answer = await call(users.a.phone, "POST", `/v1/transactions/${transfer.body.transaction.id}/refunds`, {
      body: { amount: eur(1_000), reason: "changed my mind" },
      headers: { "idempotency-key": randomUUID() },
    });
    expectStatus(answer, 403);
    assert.equal(answer.body.reason, "NOT_ACCOUNT_OWNER");
  });

  test("the recipient refunds part of the transfer and both balances follow", async () => {
    const refund = await call(users.b.phone, "POST", `/v1/transactions/${transfer.body.transaction.id}/refunds`, {
      body: { amount: eur(1_000), reason: "one slice was enough" },
      headers: { "idempotency-key": randomUUID() },
    });
    expectStatus(refund, 200);
    assert.equal(refund.body.refund.type, "TRANSACTION_TYPE_REFUND");
    assert.deepEqual(refund.body.remainingRefundable, eur(1_500));
    assert.equal(await balanceOf(users.a.phone, users.a.accountId), 498_500);
    assert.equal(await balanceOf(users.b.phone, users.b.accountId), 1_500);
  });

  test("user A cannot read user B's balance or statement (404, as for an unknown account)", async () => {
    const balance = await call(users.a.phone, "GET", `/v1/accounts/${users.b.accountId}/balance`);
    expectStatus(balance, 404);
    assert.equal(balance.body.reason, "ACCOUNT_NOT_FOUND");
    const statement = await call(users.a.phone, "GET", `/v1/accounts/${users.b.accountId}/statement`);
    expectStatus(statement, 404);
    const unknown = await call(users.a.phone, "GET", `/v1/accounts/${randomUUID()}/balance`);
    expectStatus(unknown, 404);
    assert.equal(unknown.body.reason, balance.body.reason);
  });

  test("a transfer risk wants stepped up (500 EUR or more from a device first seen today) is challenged with the RFC 9470 401", async () => {
    const answer = await call(users.a.phone, "POST", "/v1/transfers", {
      body: { recipientAccountId: users.b.accountId, amount: eur(60_000), description: "laptop" },
      headers: { "idempotency-key": randomUUID() },
    });
    expectStatus(answer, 401);
    assert.equal(answer.body.reason, "STEP_UP_REQUIRED");
    assert.match(answer.headers.get("www-authenticate") ?? "", /^Bearer error="insufficient_user_authentication".*max_age=\d+/);
    assert.equal(await balanceOf(users.a.phone, users.a.accountId), 498_500);
  });

  describe("a transfer above the step-up amount", () => {
    const largeKey = randomUUID();
    const large = () =>
      call(users.a.phone, "POST", "/v1/transfers", {
        body: { recipientAccountId: users.b.accountId, amount: eur(STEP_UP_AMOUNT + 50_000), description: "rent" },
        headers: { "idempotency-key": largeKey },
      });

    test("is challenged with 401 and WWW-Authenticate insufficient_user_authentication", async () => {
      const answer = await large();
      expectStatus(answer, 401);
      assert.match(answer.headers.get("www-authenticate") ?? "", /^Bearer error="insufficient_user_authentication"/);
      assert.match(answer.headers.get("www-authenticate") ?? "", /max_age=\d+/);
      assert.equal(await balanceOf(users.a.phone, users.a.accountId), 498_500);
    });

    test("succeeds after a step-up with a fresh TOTP code", async () => {
      // The enrolment consumed this time step's code: use the next one (within the ±1 step window).
      const stepUp = await call(users.a.phone, "POST", "/v1/identity/me/step-up", { body: { totpCode: totpAt(users.a.totpSecret, Date.now() + 30_000) } });
      expectStatus(stepUp, 200);
      assert.ok(stepUp.body.accessToken);
      users.a.phone.accessToken = stepUp.body.accessToken;
      const answer = await large();
      expectStatus(answer, 200);
      assert.equal(answer.body.balance.available.amountMinor, String(498_500 - STEP_UP_AMOUNT - 50_000));
      assert.equal(await balanceOf(users.b.phone, users.b.accountId), 1_500 + STEP_UP_AMOUNT + 50_000);
    });
  });

  describe("while the ledger is stopped", () => {
    let open: Answer | undefined;

    test("the edge's breaker for the BFF opens and answers 503 at once with Retry-After", async () => {
      await services.stop("ledger");
      const seen: number[] = [];
      for (let i = 0; i < BREAKER_FAILURES + 3 && !open; i++) {
        const answer = await call(users.a.phone, "GET", `/v1/accounts/${users.a.accountId}/balance`);
        seen.push(answer.status);
        assert.equal(answer.status, 503, `request ${i + 1}: ${JSON.stringify(answer.body)}`);
        if (answer.body.reason === "UPSTREAM_UNAVAILABLE") open = answer;
      }
      assert.ok(open, `the breaker never opened; statuses ${seen.join(", ")}`);
      assert.match(open.headers.get("retry-after") ?? "", /^\d+$/);
      assert.equal(open.headers.get("content-type")?.split(";")[0], "application/problem+json");
    });

    test("routes of other upstreams keep working (identity answers /v1/identity/me)", async () => {
      const me = await call(users.a.phone, "GET", "/v1/identity/me");
      expectStatus(me, 200);
    });

    test("the breaker closes once the ledger is back and a later request succeeds", async () => {
      await services.start("ledger");
      const retryAfter = Number(open?.headers.get("retry-after") ?? "1");
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
      let last: Answer | undefined;
      for (let i = 0; i < 10; i++) {
        last = await call(users.a.phone, "GET", `/v1/accounts/${users.a.accountId}/balance`);
        if (last.status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expectStatus(last!, 200);
      assert.equal(last!.body.balance.available.amountMinor, String(498_500 - STEP_UP_AMOUNT - 50_000));
    });
  });

  test("one IP is limited to its per-IP budget before authentication: 429 with Retry-After", async () => {
    const phone: Phone = { ip: phoneIp(), deviceId: randomUUID() };
    for (let i = 0; i < PER_IP; i++) {
      const answer = await call(phone, "GET", "/v1/identity/jwks");
      expectStatus(answer, 200);
    }
    const refused = await call(phone, "GET", "/v1/identity/jwks");
    expectStatus(refused, 429);
    assert.match(refused.headers.get("retry-after") ?? "", /^\d+$/);
    assert.match(refused.headers.get("ratelimit") ?? "", /"ip";r=0;t=\d+/);
    assert.equal(refused.body.reason, "RATE_LIMITED");
    // Another phone is not affected.
    expectStatus(await call({ ip: phoneIp(), deviceId: randomUUID() }, "GET", "/v1/identity/jwks"), 200);
  });

  test("one user is limited to the per-user budget whatever their IP: 429 with Retry-After", async () => {
    let refused: Answer | undefined;
    // A new phone (new IP) each request: only the per-user budget can run out. The user's
    // fixed window began with their earlier requests and may roll over during this loop on
    // a loaded machine, so allow a second full window before concluding there is no limit.
    for (let i = 0; i <= 2 * PER_USER + 1 && !refused; i++) {
      const phone: Phone = { ip: phoneIp(), deviceId: users.b.phone.deviceId, accessToken: users.b.phone.accessToken! };
      const answer = await call(phone, "GET", `/v1/accounts/${users.b.accountId}/balance`);
      if (answer.status === 429) refused = answer;
      else expectStatus(answer, 200);
    }
    assert.ok(refused, `no 429 within ${2 * PER_USER + 2} requests`);
    assert.match(refused.headers.get("retry-after") ?? "", /^\d+$/);
    assert.match(refused.headers.get("ratelimit") ?? "", /"user";r=0;t=\d+/);
    assert.match(refused.body.detail, /user limit/);
    // User A is not affected.
    expectStatus(await call(users.a.phone, "GET", `/v1/accounts/${users.a.accountId}/balance`), 200);
  });
});
