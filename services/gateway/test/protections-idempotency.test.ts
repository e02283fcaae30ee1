import assert from "node:assert/strict";
import { before, test } from "node:test";
import { useTestRedis } from "#platform/testing/index.js";
import { bearer, createTestEdge, createTestIssuer, type TestEdge, type TestIssuer } from "./protections-fixtures.js";

const redis = useTestRedis();
let issuer: TestIssuer;
let edge: TestEdge;

before(async () => {
  const { redis: client, prefix } = await redis();
  issuer = await createTestIssuer();
  edge = await createTestEdge({ verifier: issuer.verifier, redis: client, keyPrefix: prefix });
});

const transfer = { recipientEmail: "b@example.com", amount: { amountMinor: "100", currency: "EUR" } };

test("a transfer without Idempotency-Key is refused with 400", async () => {
  const response = await edge.app.inject({ method: "POST", url: "/v1/transfers", headers: bearer(await issuer.token()), payload: transfer });
  assert.equal(response.statusCode, 400);
  assert.equal(response.json().reason, "IDEMPOTENCY_KEY_MISSING");
});

test("a staff refund without Idempotency-Key is refused with 400", async () => {
  const token = await issuer.token({ roles: ["finance"], amr: ["pwd", "otp", "mfa"] });
  const response = await edge.app.inject({ method: "POST", url: "/v1/admin/transactions/t1/refunds", headers: bearer(token), payload: { reason: "x" } });
  assert.equal(response.statusCode, 400);
});

test("a staff balance adjustment without Idempotency-Key is refused with 400 problem+json before reaching the backoffice", async () => {
  const token = await issuer.token({ roles: ["finance"], amr: ["pwd", "otp", "mfa"] });
  const before = edge.calls.length;
  const response = await edge.app.inject({ method: "POST", url: "/v1/admin/accounts/a1/adjustments", headers: bearer(token), payload: { reason: "x" } });
  assert.equal(response.statusCode, 400);
  assert.match(String(response.headers["content-type"]), /^application\/problem\+json/);
  assert.equal(response.json().reason, "IDEMPOTENCY_KEY_MISSING");
  assert.equal(edge.calls.length, before);
});

test("a staff balance adjustment's Idempotency-Key is copied into its idempotency_key", async () => {
  const token = await issuer.token({ roles: ["finance"], amr: ["pwd", "otp", "mfa"] });
  const key = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
  const before = edge.calls.length;
  const response = await edge.app.inject({
    method: "POST",
    url: "/v1/admin/accounts/a1/adjustments",
    headers: { ...bearer(token), "idempotency-key": key },
    payload: { reason: "x" },
  });
  assert.equal(response.statusCode, 200);
  const call = edge.calls[before]!;
  assert.equal(call.rpc, "wallet.backoffice.v1.BackofficeService.AdjustBalance");
  assert.equal(call.message.idempotencyKey, key);
});

test("an Idempotency-Key with spaces or control characters is refused with 400", async () => {
  const response = await edge.app.inject({
    method: "POST",
    url: "/v1/transfers",
    headers: { ...bearer(await issuer.token()), "idempotency-key": "has space" },
    payload: transfer,
  });
  assert.equal(response.statusCode, 400);
  assert.equal(response.json().reason, "IDEMPOTENCY_KEY_INVALID");
});

test("the Idempotency-Key replaces one in the body and is forwarded upstream", async () => {
  const key = "5b0e7a52-3a4f-4f7e-9f3e-0f4c2a9d6b11";
  const before = edge.calls.length;
  const response = await edge.app.inject({
    method: "POST",
    url: "/v1/transfers",
    headers: { ...bearer(await issuer.token()), "idempotency-key": `"${key}"` },
    payload: { ...transfer, idempotencyKey: "from-the-body" },
  });
  assert.equal(response.statusCode, 200);
  const call = edge.calls[before]!;
  assert.equal(call.message.idempotencyKey, key);
  assert.equal(call.headers["idempotency-key"], key);
});

test("a read needs no Idempotency-Key", async () => {
  const response = await edge.app.inject({ method: "GET", url: "/v1/accounts/a1/balance", headers: bearer(await issuer.token()) });
  assert.equal(response.statusCode, 200);
});
