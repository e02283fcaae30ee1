import assert from "node:assert/strict";
import { before, test } from "node:test";
import { createAccessTokenVerifier } from "#platform/access-tokens/index.js";
import { useTestRedis } from "#platform/testing/index.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import { MobileBffService } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { isPublicMethod, isPublicRpc } from "../src/protections/index.js";
import { AUDIENCE, ISSUER, bearer, createTestEdge, createTestIssuer, type TestEdge, type TestIssuer } from "./protections-fixtures.js";

const redis = useTestRedis();
let issuer: TestIssuer;
let edge: TestEdge;

before(async () => {
  const { redis: client, prefix } = await redis();
  issuer = await createTestIssuer();
  edge = await createTestEdge({ verifier: issuer.verifier, redis: client, keyPrefix: prefix });
});

test("the public list names login and onboarding and leaves transfers protected", () => {
  assert.equal(isPublicRpc("wallet.identity.v1.IdentityService.Login"), true);
  assert.equal(isPublicMethod(MobileBffService.method.onboard), true);
  assert.equal(isPublicMethod(IdentityService.method.getJwks), true);
  assert.equal(isPublicMethod(MobileBffService.method.transfer), false);
  assert.equal(isPublicMethod(IdentityService.method.getCurrentUser), false);
});

test("a public route answers without a token", async () => {
  const response = await edge.app.inject({ method: "POST", url: "/v1/identity/login", payload: { email: "a@example.com", password: "x" } });
  assert.equal(response.statusCode, 200);
});

test("a protected route without a token is refused with 401 and a Bearer challenge", async () => {
  const response = await edge.app.inject({ method: "GET", url: "/v1/identity/me" });
  assert.equal(response.statusCode, 401);
  assert.equal(response.headers["content-type"], "application/problem+json; charset=utf-8");
  assert.match(String(response.headers["www-authenticate"]), /^Bearer realm="wallet"$/);
  assert.equal(response.json().reason, "TOKEN_MISSING");
});

test("an expired token is refused with 401 and error=invalid_token", async () => {
  const token = await issuer.token(undefined, new Date(Date.now() - 3_600_000));
  const response = await edge.app.inject({ method: "GET", url: "/v1/identity/me", headers: bearer(token) });
  assert.equal(response.statusCode, 401);
  assert.match(String(response.headers["www-authenticate"]), /error="invalid_token"/);
  assert.match(String(response.headers["www-authenticate"]), /expired/);
});

test("a token that is not a JWT is refused with 401 and error=invalid_token", async () => {
  const response = await edge.app.inject({ method: "GET", url: "/v1/identity/me", headers: bearer("not-a-token") });
  assert.equal(response.statusCode, 401);
  assert.match(String(response.headers["www-authenticate"]), /error="invalid_token"/);
  assert.equal(response.json().reason, "INVALID_TOKEN");
});

test("a token when identity's keys cannot be fetched is answered 503 with Retry-After", async () => {
  const { redis: client, prefix } = await redis();
  const unreachable = createAccessTokenVerifier({ jwksUrl: "http://127.0.0.1:1/.well-known/jwks.json", issuer: ISSUER, audience: AUDIENCE, fetchTimeoutMs: 500 });
  const isolated = await createTestEdge({ verifier: unreachable, redis: client, keyPrefix: `${prefix}keys:` });
  const response = await isolated.app.inject({ method: "GET", url: "/v1/identity/me", headers: bearer(await issuer.token()) });
  assert.equal(response.statusCode, 503);
  assert.ok(Number(response.headers["retry-after"]) > 0);
});

test("a valid token reaches the upstream", async () => {
  const response = await edge.app.inject({ method: "GET", url: "/v1/identity/me", headers: bearer(await issuer.token()) });
  assert.equal(response.statusCode, 200);
});

test("a backoffice route with a customer token is refused with 403", async () => {
  const response = await edge.app.inject({ method: "GET", url: "/v1/admin/users/u1", headers: bearer(await issuer.token({ roles: [] })) });
  assert.equal(response.statusCode, 403);
  assert.equal(response.json().reason, "STAFF_ROLE_REQUIRED");
});

test("a backoffice route with a staff role token reaches the upstream", async () => {
  const token = await issuer.token({ roles: ["support"], amr: ["pwd", "otp", "mfa"] });
  const response = await edge.app.inject({ method: "GET", url: "/v1/admin/users/u1", headers: bearer(token) });
  assert.equal(response.statusCode, 200);
});

test("with the revoked-session list unavailable, a staff write that moves no money answers 503 REVOCATION_UNAVAILABLE and a staff read is served", async (t) => {
  const { redis: client, prefix } = await redis();
  const blind = await createTestEdge({ verifier: issuer.verifier, redis: client, keyPrefix: prefix, revokedSessions: { status: async () => "unknown" } });
  t.after(() => blind.app.close());
  const token = await issuer.token({ roles: ["support"], amr: ["pwd", "otp", "mfa"] });
  const locked = await blind.app.inject({ method: "POST", url: "/v1/admin/users/u1/lock", headers: bearer(token) });
  assert.equal(locked.statusCode, 503, locked.body);
  assert.equal(locked.json().reason, "REVOCATION_UNAVAILABLE");
  assert.equal(locked.headers["retry-after"], "2");
  assert.equal(blind.calls.length, 0);
  assert.equal((await blind.app.inject({ method: "GET", url: "/v1/admin/users/u1", headers: bearer(token) })).statusCode, 200);
});

test("the verified subject is forwarded as x-internal-subject whatever subject or user id the client sends", async () => {
  const sub = "11111111-1111-4111-8111-111111111111";
  const token = await issuer.token({ sub });
  const before = edge.calls.length;
  const response = await edge.app.inject({
    method: "POST",
    url: "/v1/transfers",
    headers: { ...bearer(token), "idempotency-key": "k-subject-1", "x-internal-subject": "22222222-2222-4222-8222-222222222222" },
    payload: { user_id: "22222222-2222-4222-8222-222222222222", amount: { amountMinor: "100", currency: "EUR" }, recipientEmail: "b@example.com" },
  });
  assert.equal(response.statusCode, 200);
  const call = edge.calls[before]!;
  assert.equal(call.headers["x-internal-subject"], sub);
  assert.equal(call.headers.authorization, `Bearer ${token}`);
});
