/**
 * The ledger asking risk before posting a user-initiated transfer or
 * withdrawal, across a real gRPC hop: risk's service on a real port (its own
 * database and Redis prefix) behind a fault-injecting TCP proxy, the ledger's
 * handlers with the production scorer (deadline + circuit breaker). Risk's
 * rules here: EUR amounts from 500.00 REVIEW, from 1,000.00 STEP_UP, from
 * 5,000.00 DENY.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, beforeEach, describe, test } from "node:test";
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, type Interceptor } from "@connectrpc/connect";
import { Registry } from "prom-client";
import { EventEnvelopeSchema } from "#gen/wallet/events/v1/envelope_pb.js";
import { RiskService } from "#gen/wallet/risk/v1/risk_service_pb.js";
import { RuleKind } from "#gen/wallet/risk/v1/rule_pb.js";
import { Decision } from "#gen/wallet/risk/v1/scoring_pb.js";
import { createServiceClient } from "#platform/clients/index.js";
import { asVerifiedCaller } from "#platform/internal-auth/testing/index.js";
import { createSilentLogger } from "#platform/logging/index.js";
import { startService, type RunningService } from "#platform/server/index.js";
import { createTcpProxy, type TcpProxy } from "#platform/testing/index.js";
import { createRiskScorer } from "../../services/ledger/src/risk/risk-scorer.js";
import { DEFAULT_STEP_UP_MAX_AGE_MS } from "../../services/ledger/src/config.js";
import { eur, fundedWallet, key, openWallet, refusal, useLedger } from "../../services/ledger/test/support/ledger-harness.js";
import { createRiskRoutes } from "../../services/risk/src/routes.js";
import { money, useRisk } from "../../services/risk/test/support/risk-harness.js";
import { outboxEnvelope } from "../../platform/outbox/testing/index.js";

const HALF_OPEN_AFTER_MS = 400;
const FAIL_OPEN_BELOW = 10_000n;

const risk = useRisk();
const metrics = new Registry();
let riskServer: RunningService;
let proxy: TcpProxy;

const ledger = useLedger({
  risk: async () => {
    const harness = await risk();
    const asLedger = asVerifiedCaller("ledger");
    riskServer = await startService({
      name: "risk",
      host: "127.0.0.1",
      grpcPort: 0,
      adminPort: 0,
      logger: createSilentLogger(),
      routes: createRiskRoutes(harness.deps),
      interceptors: [asLedger],
      shutdownTimeoutMs: 1_000,
    });
    proxy = await createTcpProxy({ targetHost: "127.0.0.1", targetPort: riskServer.grpcPort });
    const unsigned: Interceptor = (next) => next;
    const client = createServiceClient(RiskService, { baseUrl: proxy.url(riskServer.url), internalAuth: unsigned });
    // A deadline loose enough for a loaded CI machine: a late answer would be an outage here.
    const scorer = createRiskScorer(client, { timeoutMs: 2_000, breakerFailures: 2, halfOpenAfterMs: HALF_OPEN_AFTER_MS }, createSilentLogger(), metrics);
    // Warm risk up (first-call module loading, the Redis script) before any verdict counts.
    await client.scoreTransaction({ userId: "warm-up", amount: money(1n), referenceId: "warm-up" }, { timeoutMs: 30_000 });
    return { scorer, policy: { failOpenBelowMinor: FAIL_OPEN_BELOW, defaultStepUpMaxAgeMs: DEFAULT_STEP_UP_MAX_AGE_MS } };
  },
});

before(async () => {
  await ledger();
  await (await risk()).setRules([
    { id: "amount.review", kind: RuleKind.AMOUNT_THRESHOLD, currency: "EUR", thresholdAmount: money(50_000n), decision: Decision.REVIEW, score: 200 },
    { id: "amount.step-up", kind: RuleKind.AMOUNT_THRESHOLD, currency: "EUR", thresholdAmount: money(100_000n), decision: Decision.STEP_UP, score: 400 },
    { id: "amount.deny", kind: RuleKind.AMOUNT_THRESHOLD, currency: "EUR", thresholdAmount: money(500_000n), decision: Decision.DENY, score: 900 },
  ]);
});

after(async () => {
  await proxy?.close();
  await riskServer?.shutdown();
});

beforeEach(() => proxy.restore());

/** A user's funded wallet, a payee wallet, and the user's risk context. */
async function payer(balanceMinor = 1_000_000n) {
  const client = (await ledger()).client();
  const userId = randomUUID();
  const from = await fundedWallet(client, balanceMinor);
  const to = await openWallet(client);
  const context = (overrides: { secondFactorAt?: Timestamp } = {}) => ({
    userId,
    deviceId: `device-${userId}`,
    ipAddress: "203.0.113.9",
    sessionId: `session-${userId}`,
    ...overrides,
  });
  return { client, from, to, userId, context };
}

async function postedBalance(accountId: string): Promise<bigint> {
  const client = (await ledger()).client();
  return (await client.getBalance({ accountId })).balance!.posted!.amountMinor;
}

/** The TransferPosted/WithdrawalPosted event of a transaction, from the ledger's outbox. */
async function movementEvent(transactionId: string) {
  const { db } = await ledger();
  const row = await db.selectFrom("outbox_events").select(["payload", "payload_json"]).where("aggregate_id", "=", transactionId).executeTakeFirstOrThrow();
  const payload = outboxEnvelope(row).payload;
  if (payload.case !== "transferPosted" && payload.case !== "withdrawalPosted") throw new Error(`unexpected ${payload.case}`);
  return payload.value;
}

const secondsAgo = (s: number) => timestampFromDate(new Date(Date.now() - s * 1000));

describe("risk in the ledger's transfer path", () => {
  test("an allowed transfer is posted, not under review, with the reference risk scored it under", async () => {
    const { client, from, to, context } = await payer();
    const res = await client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(1_000), idempotencyKey: key(), riskContext: context() });
    assert.equal(res.underReview, false);
    const event = await movementEvent(res.transaction!.id);
    assert.equal(event.underReview, false);
    assert.notEqual(event.riskReference, "");
  });

  test("a DENY refuses the transfer with PermissionDenied RISK_DENIED naming the rule, and moves nothing", async () => {
    const { client, from, to, context } = await payer();
    const refused = await refusal(client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(600_000), idempotencyKey: key(), riskContext: context() }));
    assert.equal(refused.code, Code.PermissionDenied);
    assert.equal(refused.reason, "RISK_DENIED");
    assert.match(refused.metadata.rule_ids ?? "", /amount\.deny/);
    assert.ok(refused.metadata.assessment_id);
    assert.equal(await postedBalance(from), 1_000_000n);
  });

  test("a STEP_UP without a second factor refuses with STEP_UP_REQUIRED and the maximum age, and moves nothing", async () => {
    const { client, from, to, context } = await payer();
    const refused = await refusal(client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(200_000), idempotencyKey: key(), riskContext: context() }));
    assert.equal(refused.code, Code.PermissionDenied);
    assert.equal(refused.reason, "STEP_UP_REQUIRED");
    assert.ok(Number(refused.metadata.max_age_seconds) > 0);
    assert.equal(await postedBalance(from), 1_000_000n);
  });

  test("a STEP_UP is posted on retry with the same key once the token carries a fresh second factor", async () => {
    const { client, from, to, context } = await payer();
    const request = { fromAccountId: from, toAccountId: to, amount: eur(200_000), idempotencyKey: key() };
    await refusal(client.transfer({ ...request, riskContext: context() }));
    const res = await client.transfer({ ...request, riskContext: context({ secondFactorAt: secondsAgo(5) }) });
    assert.equal(res.fromBalance!.posted!.amountMinor, 800_000n);
  });

  test("a STEP_UP with a second factor older than the maximum age is still refused", async () => {
    const { client, from, to, context } = await payer();
    const stale = secondsAgo(DEFAULT_STEP_UP_MAX_AGE_MS / 1000 + 60);
    const refused = await refusal(client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(200_000), idempotencyKey: key(), riskContext: context({ secondFactorAt: stale }) }));
    assert.equal(refused.reason, "STEP_UP_REQUIRED");
  });

  test("a replay of a stepped-up transfer returns the posted result without asking for a second factor again", async () => {
    const { client, from, to, context } = await payer();
    const request = { fromAccountId: from, toAccountId: to, amount: eur(200_000), idempotencyKey: key() };
    const first = await client.transfer({ ...request, riskContext: context({ secondFactorAt: secondsAgo(1) }) });
    const replay = await client.transfer({ ...request, riskContext: context() });
    assert.equal(replay.transaction!.id, first.transaction!.id);
    assert.equal(await postedBalance(from), 800_000n);
  });

  test("a REVIEW posts the transfer under review, in the response and in its event", async () => {
    const { client, from, to, context } = await payer();
    const res = await client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(60_000), idempotencyKey: key(), riskContext: context() });
    assert.equal(res.underReview, true);
    assert.equal((await movementEvent(res.transaction!.id)).underReview, true);
  });

  test("a DENY also refuses a withdrawal", async () => {
    const { client, from, context } = await payer();
    const refused = await refusal(client.withdraw({ accountId: from, amount: eur(600_000), externalReference: "payout-1", idempotencyKey: key(), riskContext: context() }));
    assert.equal(refused.reason, "RISK_DENIED");
  });

  test("a REVIEW posts a withdrawal under review", async () => {
    const { client, from, context } = await payer();
    const res = await client.withdraw({ accountId: from, amount: eur(60_000), externalReference: "payout-2", idempotencyKey: key(), riskContext: context() });
    assert.equal(res.underReview, true);
    assert.equal((await movementEvent(res.transaction!.id)).underReview, true);
  });

  test("a movement without a user in its risk context is the mesh's own and is not scored", async () => {
    const { client, from, to } = await payer();
    const res = await client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(600_000), idempotencyKey: key() });
    assert.equal(res.underReview, false);
    assert.equal((await movementEvent(res.transaction!.id)).riskReference, "");
  });
});

describe("when risk cannot be reached", () => {
  test("a transfer below the fail-open limit is posted unscored", async () => {
    const { client, from, to, context } = await payer();
    proxy.cut();
    const res = await client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(FAIL_OPEN_BELOW - 1n), idempotencyKey: key(), riskContext: context() });
    assert.equal(res.fromBalance!.posted!.amountMinor, 1_000_000n - (FAIL_OPEN_BELOW - 1n));
    assert.equal((await movementEvent(res.transaction!.id)).riskReference, "");
  });

  test("a transfer at the fail-open limit is refused with Unavailable RISK_UNAVAILABLE and moves nothing", async () => {
    const { client, from, to, context } = await payer();
    proxy.cut();
    const refused = await refusal(client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(FAIL_OPEN_BELOW), idempotencyKey: key(), riskContext: context() }));
    assert.equal(refused.code, Code.Unavailable);
    assert.equal(refused.reason, "RISK_UNAVAILABLE");
    assert.equal(await postedBalance(from), 1_000_000n);
  });

  test("a black-holed risk costs one deadline, not a hung transfer", async () => {
    const { client, from, to, context } = await payer();
    proxy.cut("blackhole");
    const refused = await refusal(client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(FAIL_OPEN_BELOW), idempotencyKey: key(), riskContext: context() }));
    assert.equal(refused.reason, "RISK_UNAVAILABLE");
  });

  test("the breaker opens after consecutive failures and closes again once risk answers", async () => {
    const { client, from, to, context } = await payer();
    proxy.cut();
    for (let i = 0; i < 3; i++) {
      await refusal(client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(600_000), idempotencyKey: key(), riskContext: context() }));
    }
    assert.equal((await metrics.getSingleMetric("ledger_risk_circuit_state")!.get()).values[0]?.value, 1);
    proxy.restore();
    await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_AFTER_MS + 50));
    const denied = await refusal(client.transfer({ fromAccountId: from, toAccountId: to, amount: eur(600_000), idempotencyKey: key(), riskContext: context() }));
    assert.equal(denied.reason, "RISK_DENIED");
    assert.equal((await metrics.getSingleMetric("ledger_risk_circuit_state")!.get()).values[0]?.value, 0);
  });
});
