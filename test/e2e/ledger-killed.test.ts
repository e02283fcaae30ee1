/**
 * The ledger crashes (SIGKILL) while transfers are in flight, both through the
 * REST edge and straight at the BFF as the edge calls it. Every failure a
 * client sees must say "retry": Unavailable (or DeadlineExceeded) at the BFF,
 * 503/504 with Retry-After at the edge; never Aborted, Canceled, Internal, a
 * 409 or a 500, which read as final although the transfer may have committed.
 * Retried with the same key once the ledger is back, each transfer is posted
 * exactly once.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { MobileBffService } from "../../gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { LedgerService } from "../../gen/wallet/ledger/v1/ledger_service_pb.js";
import { RiskService } from "../../gen/wallet/risk/v1/risk_service_pb.js";
import { RuleKind } from "../../gen/wallet/risk/v1/rule_pb.js";
import { InternalAuthHeader } from "../../platform/internal-auth/index.js";
import { callEdge, onboardCustomer, type EdgeCustomer } from "../mesh/edge-client.js";
import { LOADED_CI_DEADLINES, phoneIp } from "./journey-support.js";
import { startE2eServices, type E2eServices } from "./start-services.js";

const AMOUNT = 100n;
/** Transfers started on each path while the ledger is killed: some in flight, some sent while it is down. */
const PER_PATH = 24;

type Attempt = { readonly path: "edge" | "bff"; readonly key: string; readonly outcome: string; readonly retryAfter?: string | null; readonly detail?: string };
const succeeded = (attempt: Attempt) => attempt.outcome === "OK" || attempt.outcome === "200";
const RETRYABLE = new Set(["Unavailable", "DeadlineExceeded", "503", "504"]);

describe("a ledger killed in the middle of transfers", () => {
  let services: E2eServices;
  let sender: EdgeCustomer;
  let recipient: EdgeCustomer;
  const attempts: Attempt[] = [];

  before(async () => {
    services = await startE2eServices({ env: { GATEWAY_TRUSTED_PROXIES: "loopback", GATEWAY_RATE_LIMIT_PER_USER: "100000", GATEWAY_RATE_LIMIT_PER_IP: "100000", ...LOADED_CI_DEADLINES } });
    sender = await onboardCustomer(services.edgeUrl, phoneIp());
    recipient = await onboardCustomer(services.edgeUrl, phoneIp());
    // Forty-eight transfers in a few seconds would trip risk's velocity rules; this test is about the crash.
    const risk = createClient(RiskService, createGrpcTransport({ baseUrl: services.grpcUrl.risk, interceptors: [services.signer("backoffice")] }));
    const { rules } = await risk.listRules({ kind: RuleKind.VELOCITY_COUNT });
    for (const rule of rules) await risk.upsertRule({ rule: { ...rule, enabled: false }, expectedVersion: rule.version });
    const ledger = createClient(LedgerService, createGrpcTransport({ baseUrl: services.grpcUrl.ledger, interceptors: [services.signer("payments")] }));
    await ledger.topUp({ accountId: sender.accountId, amount: { amountMinor: 1_000_000n, currency: "EUR" }, idempotencyKey: randomUUID() });
  });
  after(async () => {
    await services?.shutdown();
  });

  /** The BFF as the edge calls it: signed as the gateway, with the customer's subject and token. */
  const bff = () =>
    createClient(MobileBffService, createGrpcTransport({ baseUrl: services.grpcUrl["mobile-bff"], interceptors: [services.signer("gateway")], defaultTimeoutMs: 30_000 }));
  const bffHeaders = () => ({ [InternalAuthHeader.subject]: sender.userId, authorization: `Bearer ${sender.accessToken}`, "x-client-ip": sender.ip });

  const viaBff = async (key: string): Promise<Attempt> => {
    try {
      await bff().transfer({ recipient: { case: "recipientAccountId", value: recipient.accountId }, amount: { amountMinor: AMOUNT, currency: "EUR" }, idempotencyKey: key }, { headers: bffHeaders() });
      return { path: "bff", key, outcome: "OK" };
    } catch (err) {
      return { path: "bff", key, outcome: Code[ConnectError.from(err).code], detail: ConnectError.from(err).rawMessage };
    }
  };
  const viaEdge = async (key: string): Promise<Attempt> => {
    const answer = await callEdge(services.edgeUrl, sender, "POST", "/v1/transfers", {
      body: { recipientAccountId: recipient.accountId, amount: { amountMinor: String(AMOUNT), currency: "EUR" } },
      headers: { "idempotency-key": key },
      timeoutMs: 60_000,
    });
    return { path: "edge", key, outcome: String(answer.status), retryAfter: answer.headers.get("retry-after"), detail: JSON.stringify(answer.body) };
  };

  test("every transfer in flight or sent while it is down fails as retryable, at the BFF and at the edge", async () => {
    const sent: Array<Promise<Attempt>> = [];
    const sending = (async () => {
      for (let i = 0; i < PER_PATH; i++) {
        sent.push(viaBff(randomUUID()), viaEdge(randomUUID()));
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await services.kill("ledger");
    await sending;
    attempts.push(...(await Promise.all(sent)));

    const failed = attempts.filter((a) => !succeeded(a));
    assert.ok(failed.some((a) => a.path === "bff"), `the kill hit some BFF calls: ${JSON.stringify(attempts)}`);
    assert.ok(failed.some((a) => a.path === "edge"), `the kill hit some edge calls: ${JSON.stringify(attempts)}`);
    for (const attempt of failed.filter((a) => a.path === "bff")) assert.ok(["Unavailable", "DeadlineExceeded"].includes(attempt.outcome), `BFF answered ${attempt.outcome}`);
    for (const attempt of failed.filter((a) => a.path === "edge")) {
      assert.ok(["503", "504"].includes(attempt.outcome), `edge answered ${attempt.outcome}`);
      if (attempt.outcome === "503") assert.ok(attempt.retryAfter, "a 503 says when to retry");
    }
  });

  test("retried with the same keys once the ledger is back, every transfer is posted exactly once", async () => {
    await services.start("ledger");
    for (const attempt of attempts.filter((a) => !succeeded(a))) {
      // As a careful app does: again with the same key until an answer that is not "retry" (the edge's breaker may need a moment).
      let again = attempt;
      for (let tries = 0; !succeeded(again) && RETRYABLE.has(again.outcome) && tries < 40; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        again = attempt.path === "bff" ? await viaBff(attempt.key) : await viaEdge(attempt.key);
      }
      assert.ok(succeeded(again), `${attempt.path} retry answered ${again.outcome} ${again.detail ?? ""}`);
    }
    const balance = await callEdge(services.edgeUrl, recipient, "GET", `/v1/accounts/${recipient.accountId}/balance`);
    assert.equal(balance.status, 200, JSON.stringify(balance.body));
    assert.equal(BigInt(balance.body.balance.available.amountMinor), AMOUNT * BigInt(attempts.length), "one credit per key, whether its first answer was a success or a failure");
  });
});
