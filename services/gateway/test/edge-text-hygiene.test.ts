/**
 * Text hygiene through the edge as it runs (protections, the resilient
 * upstream over the platform's gRPC client) in front of the REAL identity and
 * mobile BFF servers of the BFF's test mesh: a string PostgreSQL cannot store
 * (NUL, lone surrogate) in a body field, a query parameter or a path
 * parameter answers 400 problem+json INVALID_TEXT naming the REST field, where
 * it used to reach PostgreSQL and answer a bare 500.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { pino } from "pino";
import { Registry } from "prom-client";
import { useResource, useTestRedis } from "#platform/testing/index.js";
import { MobileBffService } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import { signer, useBffMesh, type BffMesh, type TestUser } from "../../mobile-bff/test/support/bff-harness.js";
import { createEdgeApp } from "../src/edge-app.js";
import { createResilientUpstream } from "../src/protections/index.js";
import { createUpstreamCaller } from "../src/rest/upstream.js";
import { testSettings } from "./protections-fixtures.js";

const mesh = useBffMesh();
const redis = useTestRedis();
const edge = useResource(
  async (): Promise<FastifyInstance> => {
    const [m, r] = await Promise.all([mesh(), redis()]);
    const settings = testSettings({
      jwks: { url: new URL("/.well-known/jwks.json", m.servers.identity.url).toString(), issuer: m.identity.deps.config.issuer, audience: m.identity.deps.config.audience },
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
    return createEdgeApp({ upstream, protections: { settings, redis: r.redis, keyPrefix: r.prefix, auditLogger: pino({ enabled: false }) } });
  },
  (app) => app.close(),
);

let m: BffMesh;
let app: FastifyInstance;
let user: TestUser;
before(async () => {
  [m, app] = await Promise.all([mesh(), edge()]);
  user = await m.customer();
});

const NUL = "\u0000";
const device = { deviceId: randomUUID(), name: "Pixel", platform: "PLATFORM_ANDROID", appVersion: "1.0.0" };
const auth = () => ({ authorization: `Bearer ${user.accessToken}` });

/** Asserts a 400 problem+json INVALID_TEXT naming `field`. */
function assertInvalidText(response: LightMyRequestResponse, field: string): void {
  assert.equal(response.statusCode, 400, response.body);
  assert.match(String(response.headers["content-type"]), /^application\/problem\+json/);
  const problem = response.json();
  assert.equal(problem.reason, "INVALID_TEXT");
  assert.deepEqual(problem.metadata, { field });
  assert.equal(problem.requestId, response.headers["x-request-id"]);
  assert.match(problem.detail, /must not contain (U\+0000 \(NUL\)|a lone surrogate)/);
}

test("login with a NUL e-mail (no auth) answers 400 naming email", async () => {
  const response = await app.inject({ method: "POST", url: "/v1/identity/login", payload: { email: NUL, password: "xxxxxxxxxx", device: { deviceId: "0" } } });
  assertInvalidText(response, "email");
});

test("sign-up, resend-verification and recovery with a NUL answer 400 naming the field", async () => {
  assertInvalidText(await app.inject({ method: "POST", url: "/v1/identity/sign-up", payload: { email: `a${NUL}@example.com`, password: "correct horse battery", device } }), "email");
  assertInvalidText(await app.inject({ method: "POST", url: "/v1/identity/sign-up", payload: { email: "b@example.com", password: "correct horse battery", device: { ...device, name: `P${NUL}` } } }), "device.name");
  assertInvalidText(await app.inject({ method: "POST", url: "/v1/identity/email/resend-verification", payload: { email: NUL } }), "email");
  assertInvalidText(await app.inject({ method: "POST", url: "/v1/identity/recovery/request", payload: { email: NUL } }), "email");
});

test("onboarding with a NUL display name or device field answers 400 naming it by its JSON name", async () => {
  const onboard = (overrides: Record<string, unknown>) =>
    app.inject({ method: "POST", url: "/v1/onboarding", payload: { email: `${randomUUID()}@example.com`, password: "correct horse battery", currency: "EUR", device, ...overrides } });
  assertInvalidText(await onboard({ displayName: `Ann${NUL}` }), "displayName");
  assertInvalidText(await onboard({ display_name: `Ann${NUL}` }), "display_name");
  assertInvalidText(await onboard({ device: { ...device, deviceId: NUL } }), "device.deviceId");
  assertInvalidText(await onboard({ device: { ...device, pushToken: "\ud800" } }), "device.pushToken");
});

test("a transfer to a NUL recipient e-mail answers 400 naming recipientEmail", async () => {
  const response = await app.inject({
    method: "POST",
    url: "/v1/transfers",
    headers: { ...auth(), "idempotency-key": randomUUID() },
    payload: { recipientEmail: `bob${NUL}@example.com`, amount: { amountMinor: "100", currency: "EUR" } },
  });
  assertInvalidText(response, "recipientEmail");
});

test("a NUL in a path parameter (DELETE /v1/devices/<uuid>%00) or a query parameter answers 400 naming it", async () => {
  assertInvalidText(await app.inject({ method: "DELETE", url: `/v1/devices/${randomUUID()}%00`, headers: auth() }), "device_id");
  const accountId = (await user.bff.listAccounts({})).accounts[0]!.id;
  assertInvalidText(await app.inject({ method: "GET", url: `/v1/accounts/${accountId}/statement?page.page_token=ab%00`, headers: auth() }), "page.page_token");
});

test("clean text still goes through to the services", async () => {
  const response = await app.inject({ method: "POST", url: "/v1/identity/email/resend-verification", payload: { email: user.email } });
  assert.equal(response.statusCode, 200, response.body);
});
