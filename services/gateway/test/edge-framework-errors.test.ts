/**
 * Every answer of the real edge app is a problem like any other, fastify's
 * own refusals included: a malformed percent-escape, an over-long path
 * parameter, no route, a body too large or not JSON, a URL or headers too
 * long (at the hygiene hook and at Node's HTTP parser). Each is RFC 9457
 * problem+json with a reason, the request id (header and body), the
 * security headers and the per-IP rate-limit headers, the parser's answers
 * (no request behind them) included. /healthz and /readyz answer on the
 * REST port.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { pino } from "pino";
import { createSilentLogger } from "#platform/logging/index.js";
import { startService } from "#platform/server/index.js";
import { useTestRedis } from "#platform/testing/index.js";
import { createEdgeApp, type EdgeHealth } from "../src/edge-app.js";
import { createEdgeFallback } from "../src/edge-fallback.js";
import { createEdgeRateLimits, type EdgeRateLimits } from "../src/protections/rate-limits.js";
import { edgeHttp1Options, SECURITY_HEADERS, type HygieneSettings } from "../src/protections/request-hygiene.js";
import { createFakeUpstream } from "./rest-fixtures.js";
import { testSettings } from "./protections-fixtures.js";

const redis = useTestRedis();

interface RealEdgeOptions {
  readonly hygiene?: Partial<HygieneSettings>;
  readonly health?: EdgeHealth;
  /** The limits the edge counts with (shared with the parser's answers); default its own. */
  readonly rateLimits?: EdgeRateLimits;
  /** The edge's Redis; default the test Redis. */
  readonly redis?: Redis;
}

async function realEdge(options: RealEdgeOptions = {}): Promise<FastifyInstance> {
  const r = await redis();
  if (!options.redis && r.redis.status !== "ready") await new Promise((resolve) => r.redis.once("ready", resolve));
  const settings = testSettings({ hygiene: { bodyLimitBytes: 256, ...options.hygiene } });
  return createEdgeApp({
    upstream: createFakeUpstream(),
    bodyLimit: settings.hygiene.bodyLimitBytes,
    protections: {
      settings,
      redis: options.redis ?? r.redis,
      keyPrefix: r.prefix,
      auditLogger: pino({ enabled: false }),
      ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    },
    ...(options.health ? { health: options.health } : {}),
  });
}

interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  json(): Record<string, unknown>;
}

/** Asserts a problem+json answer with `status` and `reason`, the request id, the security headers and the per-IP RateLimit headers. */
function assertProblem(response: Answer, status: number, reason: string): void {
  assert.equal(response.statusCode, status);
  assert.match(String(response.headers["content-type"]), /^application\/problem\+json/);
  const problem = response.json();
  assert.equal(problem.status, status);
  assert.equal(problem.reason, reason);
  assert.equal(typeof problem.title, "string");
  assert.match(String(response.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
  assert.equal(problem.requestId, response.headers["x-request-id"]);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(response.headers[name], value, name);
  assert.equal(response.headers["cache-control"], "no-store");
  assert.match(String(response.headers["ratelimit-policy"]), /"ip";q=\d+;w=60/);
  assert.match(String(response.headers["ratelimit"]), /"ip";r=\d+;t=\d+/);
}

test("a malformed percent-escape in the path answers 400 MALFORMED_URL", async (t) => {
  const app = await realEdge();
  t.after(() => app.close());
  assertProblem(await app.inject({ method: "GET", url: "/v1/accounts/%ZZ/balance" }), 400, "MALFORMED_URL");
  assertProblem(await app.inject({ method: "GET", url: "/v1/accounts/%ED%A0%80/balance" }), 400, "MALFORMED_URL");
});

test("a path parameter over 100 characters answers 414 PATH_PARAMETER_TOO_LONG", async (t) => {
  const app = await realEdge();
  t.after(() => app.close());
  assertProblem(await app.inject({ method: "GET", url: `/v1/accounts/${"a".repeat(120)}/balance` }), 414, "PATH_PARAMETER_TOO_LONG");
});

test("an unknown route answers 404 ROUTE_NOT_FOUND", async (t) => {
  const app = await realEdge();
  t.after(() => app.close());
  assertProblem(await app.inject({ method: "GET", url: "/v1/no-such-thing" }), 404, "ROUTE_NOT_FOUND");
});

test("a body too large answers 413 BODY_TOO_LARGE, declared or chunked", async (t) => {
  const app = await realEdge();
  t.after(() => app.close());
  assertProblem(await app.inject({ method: "POST", url: "/v1/identity/login", payload: { email: "a".repeat(400) } }), 413, "BODY_TOO_LARGE");
  const chunked = await app.inject({
    method: "POST",
    url: "/v1/identity/login",
    headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
    payload: JSON.stringify({ email: "a".repeat(400) }),
  });
  assertProblem(chunked, 413, "BODY_TOO_LARGE");
});

test("a body that is not JSON answers 415 UNSUPPORTED_MEDIA_TYPE", async (t) => {
  const app = await realEdge();
  t.after(() => app.close());
  assertProblem(await app.inject({ method: "POST", url: "/v1/identity/login", headers: { "content-type": "text/plain" }, payload: "x" }), 415, "UNSUPPORTED_MEDIA_TYPE");
});

test("headers over the limit answer 431 HEADERS_TOO_LARGE at the hygiene hook", async (t) => {
  const app = await realEdge({ hygiene: { maxHeaderBytes: 1024 } });
  t.after(() => app.close());
  assertProblem(await app.inject({ method: "GET", url: "/healthz", headers: { "x-padding": "p".repeat(2048) } }), 431, "HEADERS_TOO_LARGE");
});

/** Sends raw bytes to `port` and parses the HTTP/1.1 answer. */
function rawRequest(port: number, request: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(request));
    let data = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (data += chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const [head = "", body = ""] = data.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const at = line.indexOf(":");
        headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
      }
      resolve({ statusCode: Number(statusLine.split(" ")[1]), headers, json: () => JSON.parse(body) });
    });
  });
}

/** The gateway's port as it runs: the edge app behind the platform server, the parser's answers counted by the edge's limits. */
async function realServer(t: { after(fn: () => Promise<void>): void }, options: { hygiene: HygieneSettings; redis?: Redis }) {
  const r = await redis();
  const rateLimits = createEdgeRateLimits({ redis: options.redis ?? r.redis, keyPrefix: r.prefix, settings: testSettings().rateLimits });
  const app = await realEdge({ hygiene: options.hygiene, rateLimits, ...(options.redis ? { redis: options.redis } : {}) });
  const server = await startService({
    name: "gateway",
    host: "127.0.0.1",
    grpcPort: 0,
    adminPort: 0,
    logger: createSilentLogger(),
    routes: () => {},
    fallback: createEdgeFallback(app),
    http1: edgeHttp1Options(options.hygiene, rateLimits),
  });
  t.after(async () => {
    await server.shutdown();
    await app.close();
  });
  return server.grpcPort;
}

/** Small limits: Node's parser cuts anything over twice their sum (24 KiB). */
const smallLimits = testSettings({ hygiene: { maxHeaderBytes: 4096, maxUrlBytes: 8192 } }).hygiene;

/** The remaining per-IP quota an answer reports. */
const remainingOf = (answer: Answer) => Number(/"ip";r=(\d+)/.exec(String(answer.headers["ratelimit"]))?.[1]);

test("a URL over GATEWAY_MAX_URL_BYTES answers 414 URI_TOO_LONG", async (t) => {
  const app = await realEdge({ hygiene: { maxUrlBytes: 1024 } });
  t.after(() => app.close());
  assertProblem(await app.inject({ method: "GET", url: `/v1/accounts?page_token=${"t".repeat(1100)}` }), 414, "URI_TOO_LONG");
});

test("headers a little over the limit answer 431 HEADERS_TOO_LARGE from the edge app on the real port", async (t) => {
  const port = await realServer(t, { hygiene: smallLimits });
  const answer = await rawRequest(port, `GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-padding: ${"p".repeat(5_000)}\r\n\r\n`);
  assertProblem(answer, 431, "HEADERS_TOO_LARGE");
});

test("headers too large for Node's HTTP parser answer 431 problem+json with the request id, the security and the rate-limit headers", async (t) => {
  const port = await realServer(t, { hygiene: smallLimits });
  const answer = await rawRequest(port, `GET /healthz HTTP/1.1\r\nhost: x\r\nx-padding: ${"p".repeat(30_000)}\r\n\r\n`);
  assertProblem(answer, 431, "HEADERS_TOO_LARGE");
});

test("a URL too long for Node's HTTP parser answers 414 URI_TOO_LONG with every header", async (t) => {
  const port = await realServer(t, { hygiene: smallLimits });
  const answer = await rawRequest(port, `GET /v1/${"u".repeat(30_000)} HTTP/1.1\r\nhost: x\r\n\r\n`);
  assertProblem(answer, 414, "URI_TOO_LONG");
});

test("a refusal by Node's HTTP parser counts against the client's per-IP budget like any request", async (t) => {
  const port = await realServer(t, { hygiene: smallLimits });
  const before = await rawRequest(port, "GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
  const refused = await rawRequest(port, `GET /healthz HTTP/1.1\r\nhost: x\r\nx-padding: ${"p".repeat(30_000)}\r\n\r\n`);
  const after = await rawRequest(port, "GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
  assert.deepEqual([remainingOf(refused), remainingOf(after)], [remainingOf(before) - 1, remainingOf(before) - 2]);
});

test("with the edge's Redis down, a refusal by Node's HTTP parser carries the in-memory limiter's rate-limit headers, as other answers do", async (t) => {
  const down = new Redis("redis://127.0.0.1:1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  down.on("error", () => {});
  t.after(() => down.disconnect());
  const port = await realServer(t, { hygiene: smallLimits, redis: down });
  const answer = await rawRequest(port, `GET /healthz HTTP/1.1\r\nhost: x\r\nx-padding: ${"p".repeat(30_000)}\r\n\r\n`);
  assertProblem(answer, 431, "HEADERS_TOO_LARGE");
});

test("GET /healthz and /readyz answer on the REST port, /readyz 503 while a check fails or the process shuts down", async (t) => {
  let redisUp = true;
  let shuttingDown = false;
  const app = await realEdge({
    health: {
      readiness: [{ name: "redis", check: async () => { if (!redisUp) throw new Error("connection refused"); } }],
      isShuttingDown: () => shuttingDown,
    },
  });
  t.after(() => app.close());
  const live = await app.inject({ method: "GET", url: "/healthz" });
  assert.equal(live.statusCode, 200);
  assert.deepEqual(live.json(), { status: "ok" });
  assert.ok(live.headers["ratelimit"], "health answers carry the RateLimit headers too");
  const ready = await app.inject({ method: "GET", url: "/readyz" });
  assert.equal(ready.statusCode, 200);
  assert.equal(ready.json().status, "ready");
  redisUp = false;
  const notReady = await app.inject({ method: "GET", url: "/readyz" });
  assert.equal(notReady.statusCode, 503);
  assert.deepEqual(notReady.json().failing, ["redis"]);
  redisUp = true;
  shuttingDown = true;
  assert.equal((await app.inject({ method: "GET", url: "/readyz" })).statusCode, 503);
});

test("health probes need no token and answer over plain HTTP when HTTPS is required", async (t) => {
  const app = await realEdge({ hygiene: { requireHttps: true } });
  t.after(() => app.close());
  assert.equal((await app.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
  assert.equal((await app.inject({ method: "GET", url: "/readyz" })).statusCode, 200);
  assertProblem(await app.inject({ method: "GET", url: "/v1/accounts" }), 403, "HTTPS_REQUIRED");
});
