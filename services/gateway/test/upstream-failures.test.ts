/**
 * The edge over a REAL upstream server reached through a TCP proxy that can
 * cut its connections, standing for an upstream that crashes in the middle
 * of a call: the edge must answer a retryable 503, never a 409 or 500.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Interceptor } from "@connectrpc/connect";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { createTcpProxy, type TcpProxy } from "#platform/testing/index.js";
import { SlowService } from "../../../platform/server/test/fixtures/slow-service.js";
import { startTestService } from "../../../platform/server/test/fixtures/test-service.js";
import { createEdgeApp } from "../src/edge-app.js";
import { createResilientUpstream } from "../src/protections/index.js";
import { createUpstreamCaller } from "../src/rest/upstream.js";

/** Internal auth is not what these tests are about: calls go unsigned. */
const unsigned: Interceptor = (next) => next;

let upstream: Awaited<ReturnType<typeof startTestService>>;
let proxy: TcpProxy;
let app: FastifyInstance;

before(async () => {
  upstream = await startTestService();
  proxy = await createTcpProxy({ targetHost: "127.0.0.1", targetPort: upstream.grpcPort });
  const caller = createUpstreamCaller({ baseUrls: new Map([[SlowService.typeName, proxy.url(upstream.url)]]), internalAuth: unsigned });
  const resilient = createResilientUpstream(caller, {
    registry: new Registry(),
    defaultPolicy: { timeoutMs: 20_000, maxRetries: 2, initialBackoffMs: 1, maxBackoffMs: 5, breakerFailures: 100 },
  });
  app = await createEdgeApp({ upstream: resilient, services: [SlowService] });
});

after(async () => {
  await app.close();
  await proxy.close();
  await upstream.shutdown();
});

test("a call whose upstream dies in the middle is answered 503 problem+json with Retry-After, not 409", async () => {
  const started = upstream.probe.nextCallStarted();
  const answer = app.inject({ method: "POST", url: "/v1/sleep", payload: { millis: 10_000 } });
  await started;
  proxy.cut();
  const res = await answer;
  proxy.restore();
  assert.equal(res.statusCode, 503);
  assert.equal(res.headers["retry-after"], "1");
  assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
  const body = res.json();
  assert.equal(body.status, 503);
  assert.doesNotMatch(res.body, /ECONNRESET|127\.0\.0\.1/);
});

test("a call carrying an Idempotency-Key whose upstream dies in the middle is retried by the edge and answered", async () => {
  const first = upstream.probe.nextCallStarted();
  const answer = app.inject({ method: "POST", url: "/v1/sleep", headers: { "idempotency-key": "k-retry-1" }, payload: { millis: 200 } });
  await first;
  const retried = upstream.probe.nextCallStarted();
  proxy.cut();
  proxy.restore();
  const res = await answer;
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().sleptMillis, 200);
  await retried; // the answer came from a second call
});
