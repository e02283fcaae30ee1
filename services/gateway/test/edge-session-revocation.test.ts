/**
 * Revocation that reaches the edge: the edge as it runs (protections,
 * resilient upstream) in front of the REAL identity and mobile BFF of the
 * BFF's test mesh. A session identity ends is refused on every route, not
 * only identity's; with the edge's Redis away, every state-changing route
 * fails closed (money-moving or not) and reads fail open.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { pino } from "pino";
import { Registry } from "prom-client";
import { useTestRedis } from "#platform/testing/index.js";
import { MobileBffService } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import { device, PASSWORD } from "../../identity/test/support/identity-harness.js";
import { signer, useBffMesh, type BffMesh } from "../../mobile-bff/test/support/bff-harness.js";
import { createEdgeApp } from "../src/edge-app.js";
import { createResilientUpstream, type ProtectionsSettings } from "../src/protections/index.js";
import { createUpstreamCaller } from "../src/rest/upstream.js";
import { testSettings } from "./protections-fixtures.js";

const mesh = useBffMesh();
const redis = useTestRedis();

let m: BffMesh;
let edge: FastifyInstance;
/** An edge whose Redis (rate limits, revoked-session list) is a closed port. */
let edgeWithoutRedis: FastifyInstance;
const downRedis = new Redis("redis://127.0.0.1:1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
downRedis.on("error", () => {});

/** An edge in front of the mesh's BFF and identity, its protections over `r`. */
async function startEdge(r: Redis, keyPrefix: string, revocation: Partial<ProtectionsSettings["revocation"]> = {}): Promise<FastifyInstance> {
  const settings = testSettings({
    jwks: { url: new URL("/.well-known/jwks.json", m.servers.identity.url).toString(), issuer: m.identity.deps.config.issuer, audience: m.identity.deps.config.audience },
    revocation: { keyPrefix: m.identity.deps.config.revokedSessions.keyPrefix, ...revocation },
    upstream: { timeoutMs: 5_000, maxRetries: 0, breakerFailures: 100 },
  });
  const caller = createUpstreamCaller({
    baseUrls: new Map([
      [MobileBffService.typeName, m.servers.bff.url],
      [IdentityService.typeName, m.servers.identity.url],
    ]),
    internalAuth: signer("gateway"),
  });
  const upstream = createResilientUpstream(caller, { registry: new Registry(), defaultPolicy: settings.upstream });
  return createEdgeApp({ upstream, protections: { settings, redis: r, keyPrefix, auditLogger: pino({ enabled: false }) } });
}

before(async () => {
  const [mm, r] = await Promise.all([mesh(), redis()]);
  m = mm;
  edge = await startEdge(r.redis, r.prefix);
  edgeWithoutRedis = await startEdge(downRedis, "down:");
});
after(async () => {
  await Promise.all([edge?.close(), edgeWithoutRedis?.close()]);
  downRedis.disconnect();
});

/** A customer with a funded EUR wallet and a session of their own (its refresh token too). */
async function customerWithSession(amount = 5_000n) {
  const user = await m.customer();
  const accountId = (await user.bff.listAccounts({})).accounts[0]!.id;
  if (amount > 0n) await m.topUp(accountId, amount);
  const login = await m.identity.client().login({ email: user.email, password: PASSWORD, device: device() });
  if (login.result.case !== "tokens") throw new Error("expected tokens");
  return { user, accountId, session: login.result.value };
}

const auth = (accessToken: string) => ({ authorization: `Bearer ${accessToken}` });

const transfer = (app: FastifyInstance, accessToken: string, recipientAccountId: string, amountMinor = 100) =>
  app.inject({
    method: "POST",
    url: "/v1/transfers",
    headers: { ...auth(accessToken), "idempotency-key": randomUUID() },
    payload: { recipientAccountId, amount: { amountMinor: String(amountMinor), currency: "EUR" } },
  });

const balance = (app: FastifyInstance, accessToken: string, accountId: string) =>
  app.inject({ method: "GET", url: `/v1/accounts/${accountId}/balance`, headers: auth(accessToken) });

test("after logout through the edge, a transfer with that session's access token is refused 401 SESSION_REVOKED with an invalid_token challenge", async () => {
  const [a, b] = await Promise.all([customerWithSession(), customerWithSession(0n)]);
  const loggedOut = await edge.inject({ method: "POST", url: "/v1/identity/logout", payload: { refreshToken: a.session.refreshToken } });
  assert.equal(loggedOut.statusCode, 200, loggedOut.body);

  const refused = await transfer(edge, a.session.accessToken, b.accountId);
  assert.equal(refused.statusCode, 401, refused.body);
  assert.match(String(refused.headers["content-type"]), /^application\/problem\+json/);
  assert.equal(refused.json().reason, "SESSION_REVOKED");
  assert.match(String(refused.headers["www-authenticate"]), /^Bearer realm="wallet", error="invalid_token"/);
  // The user's other session is untouched, and no money moved.
  const still = await balance(edge, a.user.accessToken, a.accountId);
  assert.equal(still.statusCode, 200, still.body);
  assert.equal(still.json().balance.available.amountMinor, "5000");
});

/** The device, other than the token's own, that has an active session; listed through `app` (asserting 200). */
async function otherActiveDevice(app: typeof edge, accessToken: string): Promise<{ id: string }> {
  const listed = await app.inject({ method: "GET", url: "/v1/devices", headers: auth(accessToken) });
  assert.equal(listed.statusCode, 200, listed.body);
  const other = (listed.json().devices as { id: string; current?: boolean; activeSessions?: number }[]).find((d) => !d.current && (d.activeSessions ?? 0) > 0);
  assert.ok(other, "another device with an active session");
  return other;
}

/** A transfer with `a`'s second session's token is refused by the edge as revoked, and `a`'s 5000 stay put. */
async function expectRevokedTransferRefused(a: Awaited<ReturnType<typeof customerWithSession>>, b: Awaited<ReturnType<typeof customerWithSession>>): Promise<void> {
  const refused = await transfer(edge, a.session.accessToken, b.accountId);
  assert.equal(refused.statusCode, 401, refused.body);
  assert.equal(refused.json().reason, "SESSION_REVOKED");
  // The edge's own challenge: the BFF behind it would refuse too, without one.
  assert.match(String(refused.headers["www-authenticate"]), /error="invalid_token"/);
  assert.equal((await balance(edge, a.user.accessToken, a.accountId)).json().balance.available.amountMinor, "5000");
}

test("after DELETE /v1/sessions/{id} from another session, the revoked session's balance and statement reads are refused 401 SESSION_REVOKED", async () => {
  const a = await customerWithSession(0n);
  const revoked = await edge.inject({ method: "DELETE", url: `/v1/sessions/${a.session.sessionId}`, headers: auth(a.user.accessToken) });
  assert.equal(revoked.statusCode, 200, revoked.body);

  const read = await balance(edge, a.session.accessToken, a.accountId);
  assert.equal(read.statusCode, 401, read.body);
  assert.equal(read.json().reason, "SESSION_REVOKED");
  const statement = await edge.inject({ method: "GET", url: `/v1/accounts/${a.accountId}/statement`, headers: auth(a.session.accessToken) });
  assert.equal(statement.statusCode, 401, statement.body);
  assert.equal(statement.json().reason, "SESSION_REVOKED");
  assert.equal((await balance(edge, a.user.accessToken, a.accountId)).statusCode, 200);
});

test("after DELETE /v1/sessions/{id} from another session, a transfer with the revoked session's token is refused 401 SESSION_REVOKED and moves nothing", async () => {
  const [a, b] = await Promise.all([customerWithSession(), customerWithSession(0n)]);
  const revoked = await edge.inject({ method: "DELETE", url: `/v1/sessions/${a.session.sessionId}`, headers: auth(a.user.accessToken) });
  assert.equal(revoked.statusCode, 200, revoked.body);

  await expectRevokedTransferRefused(a, b);
});

test("after its device is revoked through the edge, a session's token is refused 401 SESSION_REVOKED on a transfer", async () => {
  const [a, b] = await Promise.all([customerWithSession(), customerWithSession(0n)]);
  const other = await otherActiveDevice(edge, a.user.accessToken);
  const revoked = await edge.inject({ method: "DELETE", url: `/v1/devices/${other.id}`, headers: auth(a.user.accessToken) });
  assert.equal(revoked.statusCode, 200, revoked.body);

  await expectRevokedTransferRefused(a, b);
});

test("a session the edge checked just before its logout is refused within the edge's cache time", async () => {
  const r = await redis();
  const cached = await startEdge(r.redis, `${r.prefix}cached:`, { cacheMs: 300 });
  try {
    const a = await customerWithSession(0n);
    assert.equal((await balance(cached, a.session.accessToken, a.accountId)).statusCode, 200);
    await m.identity.client().logout({ refreshToken: a.session.refreshToken });
    const loggedOutAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - loggedOutAt < 2_000) {
      status = (await balance(cached, a.session.accessToken, a.accountId)).statusCode;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(status, 401);
    assert.ok(Date.now() - loggedOutAt < 1_000, `refused after ${Date.now() - loggedOutAt} ms`);
  } finally {
    await cached.close();
  }
});

test("with the edge's Redis down, a transfer answers 503 REVOCATION_UNAVAILABLE with Retry-After and a balance read still answers 200", async () => {
  const [a, b] = await Promise.all([customerWithSession(), customerWithSession(0n)]);
  const refused = await transfer(edgeWithoutRedis, a.session.accessToken, b.accountId);
  assert.equal(refused.statusCode, 503, refused.body);
  assert.equal(refused.json().reason, "REVOCATION_UNAVAILABLE");
  assert.ok(Number(refused.headers["retry-after"]) >= 1);

  const read = await balance(edgeWithoutRedis, a.session.accessToken, a.accountId);
  assert.equal(read.statusCode, 200, read.body);
  assert.equal(read.json().balance.available.amountMinor, "5000", "the refused transfer moved nothing");
});

test("with the edge's Redis down, revoking a device answers 503 REVOCATION_UNAVAILABLE and revokes nothing, while listing devices still answers 200", async () => {
  const a = await customerWithSession(0n);
  // Listing devices is a read: served with Redis down.
  const other = await otherActiveDevice(edgeWithoutRedis, a.session.accessToken);

  const refused = await edgeWithoutRedis.inject({ method: "DELETE", url: `/v1/devices/${other.id}`, headers: auth(a.session.accessToken) });
  assert.equal(refused.statusCode, 503, refused.body);
  assert.equal(refused.json().reason, "REVOCATION_UNAVAILABLE");
  assert.ok(Number(refused.headers["retry-after"]) >= 1);
  assert.equal((await balance(edge, a.user.accessToken, a.accountId)).statusCode, 200, "the device's session still works");
});

test("with the edge's Redis down, a password change answers 503 REVOCATION_UNAVAILABLE and the old password still logs in", async () => {
  const a = await customerWithSession(0n);
  const refused = await edgeWithoutRedis.inject({
    method: "POST",
    url: "/v1/identity/me/password",
    headers: auth(a.session.accessToken),
    payload: { currentPassword: PASSWORD, newPassword: "another-long-passphrase-42" },
  });
  assert.equal(refused.statusCode, 503, refused.body);
  assert.equal(refused.json().reason, "REVOCATION_UNAVAILABLE");
  const again = await m.identity.client().login({ email: a.user.email, password: PASSWORD, device: device() });
  assert.equal(again.result.case, "tokens");
});
