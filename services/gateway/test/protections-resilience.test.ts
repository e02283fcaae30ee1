import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { Registry } from "prom-client";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { MobileBffService } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { circuitOpenProblem, createResilientUpstream, UpstreamCircuitOpenError, type UpstreamPolicy } from "../src/protections/index.js";

/** A stub upstream answering from a queue of outcomes (an Error is thrown), counting calls. */
function stubUpstream(outcomes: (unknown | Error)[], fallback: unknown = { ok: true }) {
  const stub = {
    calls: 0,
    async call(_service: unknown, _method: unknown, _request: unknown, options: { signal?: AbortSignal; headers?: unknown }) {
      stub.calls++;
      const next = outcomes.length > 0 ? outcomes.shift() : fallback;
      if (next === "hang") {
        return new Promise((_resolve, reject) => options.signal?.addEventListener("abort", () => reject(new ConnectError("aborted", Code.Canceled))));
      }
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return stub;
}

const unavailable = () => new ConnectError("connection refused", Code.Unavailable);
const fast: Partial<UpstreamPolicy> = { initialBackoffMs: 1, maxBackoffMs: 2, timeoutMs: 1_000 };

function wrap(stub: ReturnType<typeof stubUpstream>, policy: Partial<UpstreamPolicy> = {}) {
  const registry = new Registry();
  return { registry, upstream: createResilientUpstream(stub, { registry, defaultPolicy: { ...fast, ...policy } }) };
}

test("a GET-mapped call is retried on Unavailable until it succeeds", async () => {
  const stub = stubUpstream([unavailable(), unavailable()]);
  const { upstream, registry } = wrap(stub, { maxRetries: 2 });
  assert.deepEqual(await upstream.call(MobileBffService, MobileBffService.method.getBalance, {}, {}), { ok: true });
  assert.equal(stub.calls, 3);
  const retries = await registry.getSingleMetric("gateway_upstream_retries_total")!.get();
  assert.equal(retries.values[0]?.value, 2);
});

test("retries stop after the bound", async () => {
  const stub = stubUpstream([unavailable(), unavailable(), unavailable(), unavailable()]);
  const { upstream } = wrap(stub, { maxRetries: 2 });
  await assert.rejects(upstream.call(MobileBffService, MobileBffService.method.getBalance, {}, {}), (err) => (err as ConnectError).code === Code.Unavailable);
  assert.equal(stub.calls, 3);
});

test("a POST without an Idempotency-Key is never retried", async () => {
  const stub = stubUpstream([unavailable()]);
  const { upstream } = wrap(stub);
  await assert.rejects(upstream.call(MobileBffService, MobileBffService.method.openAccount, {}, { headers: {} }));
  assert.equal(stub.calls, 1);
});

test("a POST carrying an Idempotency-Key is retried", async () => {
  const stub = stubUpstream([unavailable()]);
  const { upstream } = wrap(stub);
  await upstream.call(MobileBffService, MobileBffService.method.transfer, {}, { headers: { "idempotency-key": "k1" } });
  assert.equal(stub.calls, 2);
});

test("a refusal such as InvalidArgument is never retried", async () => {
  const stub = stubUpstream([new ConnectError("bad", Code.InvalidArgument)]);
  const { upstream } = wrap(stub);
  await assert.rejects(upstream.call(MobileBffService, MobileBffService.method.getBalance, {}, {}));
  assert.equal(stub.calls, 1);
});

test("an attempt past its deadline fails with DeadlineExceeded", async () => {
  const stub = stubUpstream(["hang"]);
  const { upstream } = wrap(stub, { timeoutMs: 20 });
  await assert.rejects(upstream.call(MobileBffService, MobileBffService.method.openAccount, {}, {}), (err) => (err as ConnectError).code === Code.DeadlineExceeded);
});

test("the breaker opens after consecutive failures and then fails fast with 503 and Retry-After", async () => {
  const stub = stubUpstream([unavailable(), unavailable(), unavailable()]);
  const { upstream, registry } = wrap(stub, { breakerFailures: 3, halfOpenAfterMs: 60_000 });
  for (let i = 0; i < 3; i++) await assert.rejects(upstream.call(MobileBffService, MobileBffService.method.openAccount, {}, {}));
  const callsWhenOpened = stub.calls;
  const err = await upstream.call(MobileBffService, MobileBffService.method.openAccount, {}, {}).catch((e: unknown) => e);
  assert.ok(err instanceof UpstreamCircuitOpenError);
  assert.equal(stub.calls, callsWhenOpened, "the open breaker does not call the upstream");
  const problem = circuitOpenProblem(err)!;
  assert.equal(problem.status, 503);
  assert.ok(Number(problem.headers["retry-after"]) >= 1 && Number(problem.headers["retry-after"]) <= 60);
  const state = await registry.getSingleMetric("gateway_upstream_circuit_state")!.get();
  assert.equal(state.values.find((v) => v.labels.upstream === "wallet.bff.v1.MobileBffService")?.value, 1);
});

test("the breaker of one upstream leaves the others closed", async () => {
  const stub = stubUpstream([unavailable(), unavailable()]);
  const { upstream } = wrap(stub, { breakerFailures: 2, halfOpenAfterMs: 60_000 });
  for (let i = 0; i < 2; i++) await assert.rejects(upstream.call(MobileBffService, MobileBffService.method.openAccount, {}, {}));
  assert.deepEqual(await upstream.call(BackofficeService, BackofficeService.method.lockUser, {}, {}), { ok: true });
});

test("the breaker closes after the half-open probe succeeds", async () => {
  const stub = stubUpstream([unavailable(), unavailable()]);
  const { upstream, registry } = wrap(stub, { breakerFailures: 2, halfOpenAfterMs: 30 });
  for (let i = 0; i < 2; i++) await assert.rejects(upstream.call(MobileBffService, MobileBffService.method.openAccount, {}, {}));
  await assert.rejects(upstream.call(MobileBffService, MobileBffService.method.openAccount, {}, {}), UpstreamCircuitOpenError);
  await sleep(60); // past halfOpenAfterMs: the next call is the probe
  assert.deepEqual(await upstream.call(MobileBffService, MobileBffService.method.openAccount, {}, {}), { ok: true });
  assert.deepEqual(await upstream.call(MobileBffService, MobileBffService.method.openAccount, {}, {}), { ok: true });
  const state = await registry.getSingleMetric("gateway_upstream_circuit_state")!.get();
  assert.equal(state.values[0]?.value, 0);
});

test("business refusals do not open the breaker", async () => {
  const refusals = Array.from({ length: 5 }, () => new ConnectError("insufficient funds", Code.FailedPrecondition));
  const stub = stubUpstream(refusals);
  const { upstream } = wrap(stub, { breakerFailures: 2 });
  for (let i = 0; i < 5; i++) await assert.rejects(upstream.call(MobileBffService, MobileBffService.method.openAccount, {}, {}), (err) => (err as ConnectError).code === Code.FailedPrecondition);
  assert.deepEqual(await upstream.call(MobileBffService, MobileBffService.method.openAccount, {}, {}), { ok: true });
});

test("an Unavailable naming its condition (a live upstream's dependency is down) is retried but does not open the breaker", async () => {
  const named = () =>
    new ConnectError("risk is unavailable", Code.Unavailable, undefined, [{ desc: ErrorInfoSchema, value: { reason: "RISK_UNAVAILABLE", domain: "wallet.ledger.v1" } }]);
  const stub = stubUpstream(Array.from({ length: 6 }, named));
  const { upstream } = wrap(stub, { breakerFailures: 2, maxRetries: 0 });
  for (let i = 0; i < 6; i++) await assert.rejects(upstream.call(MobileBffService, MobileBffService.method.openAccount, {}, {}), (err) => (err as ConnectError).code === Code.Unavailable);
  assert.deepEqual(await upstream.call(MobileBffService, MobileBffService.method.openAccount, {}, {}), { ok: true }, "still closed: the next call goes through");
});

test("upstream latency is recorded by upstream, method and outcome", async () => {
  const stub = stubUpstream([new ConnectError("nope", Code.NotFound)]);
  const { upstream, registry } = wrap(stub);
  await assert.rejects(upstream.call(MobileBffService, MobileBffService.method.getBalance, {}, {}));
  await upstream.call(MobileBffService, MobileBffService.method.getBalance, {}, {});
  const text = await registry.metrics();
  assert.match(text, /gateway_upstream_duration_seconds_count\{upstream="wallet.bff.v1.MobileBffService",method="GetBalance",outcome="notfound"\} 1/);
  assert.match(text, /gateway_upstream_duration_seconds_count\{upstream="wallet.bff.v1.MobileBffService",method="GetBalance",outcome="ok"\} 1/);
});
