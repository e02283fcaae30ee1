import assert from "node:assert/strict";
import { before, test } from "node:test";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { useTestRedis } from "#platform/testing/index.js";
import type { RateLimitSettings } from "../src/protections/index.js";
import { bearer, createTestEdge, createTestIssuer, testSettings, type TestIssuer } from "./protections-fixtures.js";

const redis = useTestRedis();
let issuer: TestIssuer;
let suffix = 0;

before(async () => {
  issuer = await createTestIssuer();
});

/** An edge with its own key space and the given budgets. */
async function edgeWith(rateLimits: Partial<RateLimitSettings>, registry?: Registry) {
  const { redis: client, prefix } = await redis();
  return createTestEdge({ verifier: issuer.verifier, redis: client, keyPrefix: `${prefix}${++suffix}:`, settings: testSettings({ rateLimits }), ...(registry ? { registry } : {}) });
}

test("a request within the limits carries RateLimit-Policy and RateLimit headers", async () => {
  const edge = await edgeWith({ perIp: 5 });
  const response = await edge.app.inject({ method: "GET", url: "/healthz", remoteAddress: "10.0.0.1" });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers["ratelimit-policy"], '"ip";q=5;w=60');
  assert.match(String(response.headers["ratelimit"]), /^"ip";r=4;t=\d+$/);
});

test("the per-IP limit answers 429 problem+json with Retry-After once the budget is spent", async () => {
  const edge = await edgeWith({ perIp: 2 });
  for (let i = 0; i < 2; i++) assert.equal((await edge.app.inject({ method: "GET", url: "/healthz", remoteAddress: "10.0.0.2" })).statusCode, 200);
  const response = await edge.app.inject({ method: "GET", url: "/healthz", remoteAddress: "10.0.0.2" });
  assert.equal(response.statusCode, 429);
  assert.equal(response.json().reason, "RATE_LIMITED");
  assert.ok(Number(response.headers["retry-after"]) >= 1);
  assert.match(String(response.headers["ratelimit"]), /^"ip";r=0;t=\d+$/);
});

test("every refusal counts in gateway_rate_limit_refusals_total by the policy that refused it, every policy at 0 from the start", async () => {
  const registry = new Registry();
  const edge = await edgeWith({ perIp: 1, sensitive: 1 }, registry);
  const refusals = async () => {
    const { values } = await registry.getSingleMetric("gateway_rate_limit_refusals_total")!.get();
    return Object.fromEntries(values.map((v) => [v.labels.policy, v.value]));
  };
  assert.deepEqual(await refusals(), { ip: 0, "ip-sensitive": 0, user: 0, "user-sensitive": 0 });
  const call = () => edge.app.inject({ method: "GET", url: "/healthz", remoteAddress: "10.0.0.20" });
  assert.equal((await call()).statusCode, 200);
  assert.equal((await call()).statusCode, 429);
  assert.equal((await call()).statusCode, 429);
  assert.deepEqual(await refusals(), { ip: 2, "ip-sensitive": 0, user: 0, "user-sensitive": 0 });
});

test("the per-IP limit counts each address on its own", async () => {
  const edge = await edgeWith({ perIp: 1 });
  assert.equal((await edge.app.inject({ method: "GET", url: "/healthz", remoteAddress: "10.0.0.3" })).statusCode, 200);
  assert.equal((await edge.app.inject({ method: "GET", url: "/healthz", remoteAddress: "10.0.0.4" })).statusCode, 200);
});

test("login is limited by the tighter sensitive budget", async () => {
  const edge = await edgeWith({ perIp: 100, sensitive: 1 });
  const login = () => edge.app.inject({ method: "POST", url: "/v1/identity/login", remoteAddress: "10.0.0.5", payload: { email: "a@example.com" } });
  assert.equal((await login()).statusCode, 200);
  const refused = await login();
  assert.equal(refused.statusCode, 429);
  assert.match(String(refused.headers["ratelimit-policy"]), /"ip-sensitive";q=1;w=60/);
});

test("the per-user limit refuses one user while another on the same address goes on", async () => {
  const edge = await edgeWith({ perIp: 100, perUser: 1 });
  const alice = await issuer.token({ sub: "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa" });
  const bob = await issuer.token({ sub: "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb" });
  const me = (token: string) => edge.app.inject({ method: "GET", url: "/v1/identity/me", remoteAddress: "10.0.0.6", headers: bearer(token) });
  assert.equal((await me(alice)).statusCode, 200);
  const refused = await me(alice);
  assert.equal(refused.statusCode, 429);
  assert.ok(Number(refused.headers["retry-after"]) >= 1);
  assert.match(String(refused.headers["ratelimit"]), /"user";r=0;t=\d+/);
  assert.equal((await me(bob)).statusCode, 200);
});

test("with Redis unreachable the limits fail open to the in-memory insurance limiter", async () => {
  // A closed port: ioredis never becomes ready, so every limit decides in memory.
  const down = new Redis("redis://127.0.0.1:1", { lazyConnect: false, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  down.on("error", () => {});
  try {
    const edge = await createTestEdge({ verifier: issuer.verifier, redis: down, keyPrefix: "down:", waitForRedis: false, settings: testSettings({ rateLimits: { perIp: 2 } }) });
    const call = () => edge.app.inject({ method: "GET", url: "/healthz", remoteAddress: "10.0.0.7" });
    assert.equal((await call()).statusCode, 200);
    assert.equal((await call()).statusCode, 200);
    const refused = await call();
    assert.equal(refused.statusCode, 429);
    assert.ok(Number(refused.headers["retry-after"]) >= 1);
  } finally {
    down.disconnect();
  }
});

test("the per-IP count is kept in Redis, shared by every gateway replica", async () => {
  const { redis: client, prefix } = await redis();
  const keyPrefix = `${prefix}shared:`;
  const settings = testSettings({ rateLimits: { perIp: 1 } });
  const first = await createTestEdge({ verifier: issuer.verifier, redis: client, keyPrefix, settings });
  const second = await createTestEdge({ verifier: issuer.verifier, redis: client, keyPrefix, settings });
  assert.equal((await first.app.inject({ method: "GET", url: "/healthz", remoteAddress: "10.0.0.8" })).statusCode, 200);
  assert.equal((await second.app.inject({ method: "GET", url: "/healthz", remoteAddress: "10.0.0.8" })).statusCode, 429);
  assert.equal(await client.get(`${keyPrefix}ratelimit:ip:10.0.0.8`), "2");
});
