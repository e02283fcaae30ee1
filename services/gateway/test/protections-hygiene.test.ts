import assert from "node:assert/strict";
import { before, test } from "node:test";
import { useTestRedis } from "#platform/testing/index.js";
import { SECURITY_HEADERS, type HygieneSettings } from "../src/protections/index.js";
import { createTestEdge, createTestIssuer, testSettings, type TestIssuer } from "./protections-fixtures.js";

const redis = useTestRedis();
let issuer: TestIssuer;

before(async () => {
  issuer = await createTestIssuer();
});

async function edgeWith(hygiene: Partial<HygieneSettings> = {}) {
  const { redis: client, prefix } = await redis();
  return createTestEdge({ verifier: issuer.verifier, redis: client, keyPrefix: prefix, settings: testSettings({ hygiene }) });
}

test("a body that is not JSON is refused with 415", async () => {
  const edge = await edgeWith();
  const response = await edge.app.inject({ method: "POST", url: "/v1/identity/login", headers: { "content-type": "text/plain" }, payload: "email=a" });
  assert.equal(response.statusCode, 415);
  assert.equal(response.json().reason, "UNSUPPORTED_MEDIA_TYPE");
});

test("a form-encoded body is refused with 415", async () => {
  const edge = await edgeWith();
  const response = await edge.app.inject({ method: "POST", url: "/v1/identity/login", headers: { "content-type": "application/x-www-form-urlencoded" }, payload: "email=a" });
  assert.equal(response.statusCode, 415);
});

test("a body over the limit is refused with 413 before it is read", async () => {
  const edge = await edgeWith({ bodyLimitBytes: 100 });
  const response = await edge.app.inject({ method: "POST", url: "/v1/identity/login", payload: { email: "a".repeat(200) } });
  assert.equal(response.statusCode, 413);
  assert.equal(response.json().reason, "BODY_TOO_LARGE");
});

test("headers over the limit are refused with 431", async () => {
  const edge = await edgeWith({ maxHeaderBytes: 512 });
  const response = await edge.app.inject({ method: "GET", url: "/healthz", headers: { "x-padding": "p".repeat(1024) } });
  assert.equal(response.statusCode, 431);
});

test("every answer carries HSTS and the security headers", async () => {
  const edge = await edgeWith();
  const response = await edge.app.inject({ method: "GET", url: "/healthz" });
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(response.headers[name], value, name);
  assert.equal(response.headers["cache-control"], "no-store");
});

test("plain HTTP is refused with 403 when HTTPS is required", async () => {
  const edge = await edgeWith({ requireHttps: true });
  const response = await edge.app.inject({ method: "POST", url: "/v1/identity/login", payload: {} });
  assert.equal(response.statusCode, 403);
  assert.equal(response.json().reason, "HTTPS_REQUIRED");
});

test("X-Forwarded-Proto https from a trusted proxy is accepted when HTTPS is required", async () => {
  const edge = await edgeWith({ requireHttps: true, trustProxy: ["10.1.0.0/16"] });
  const response = await edge.app.inject({ method: "POST", url: "/v1/identity/login", remoteAddress: "10.1.2.3", headers: { "x-forwarded-proto": "https" }, payload: {} });
  assert.equal(response.statusCode, 200);
});

test("X-Forwarded-Proto https from an untrusted client is ignored when HTTPS is required", async () => {
  const edge = await edgeWith({ requireHttps: true, trustProxy: ["10.1.0.0/16"] });
  const response = await edge.app.inject({ method: "POST", url: "/v1/identity/login", remoteAddress: "192.0.2.9", headers: { "x-forwarded-proto": "https" }, payload: {} });
  assert.equal(response.statusCode, 403);
});
