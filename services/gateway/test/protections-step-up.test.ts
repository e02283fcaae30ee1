import assert from "node:assert/strict";
import { before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { useTestRedis } from "#platform/testing/index.js";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { bearer, createTestEdge, createTestIssuer, type TestEdge, type TestIssuer } from "./protections-fixtures.js";

const redis = useTestRedis();
let issuer: TestIssuer;
let edge: TestEdge;
let keys = 0;

before(async () => {
  const { redis: client, prefix } = await redis();
  issuer = await createTestIssuer();
  edge = await createTestEdge({ verifier: issuer.verifier, redis: client, keyPrefix: prefix });
});

/** A transfer of `amountMinor` (threshold in the fixtures: 100000) with `token`. */
const transfer = (token: string, amountMinor: string) =>
  edge.app.inject({
    method: "POST",
    url: "/v1/transfers",
    headers: { ...bearer(token), "idempotency-key": `step-up-${++keys}` },
    payload: { recipientEmail: "b@example.com", amount: { amountMinor, currency: "EUR" } },
  });

const nowSec = () => Math.floor(Date.now() / 1000);

test("a transfer above the step-up amount with a password-only token is challenged per RFC 9470", async () => {
  const response = await transfer(await issuer.token({ amr: ["pwd"] }), "250000");
  assert.equal(response.statusCode, 401);
  const challenge = String(response.headers["www-authenticate"]);
  assert.match(challenge, /^Bearer error="insufficient_user_authentication", error_description="[^"]+", max_age=300$/);
  assert.equal(response.json().reason, "STEP_UP_REQUIRED");
});

test("a transfer above the step-up amount passes with a fresh otp token", async () => {
  const response = await transfer(await issuer.token({ amr: ["pwd", "otp", "mfa"], auth_time: nowSec() - 10 }), "250000");
  assert.equal(response.statusCode, 200);
});

test("a transfer above the step-up amount is challenged when the second factor is older than the window", async () => {
  const response = await transfer(await issuer.token({ amr: ["pwd", "otp", "mfa"], auth_time: nowSec() - 301 }), "250000");
  assert.equal(response.statusCode, 401);
});

test("a transfer at the step-up amount needs no second factor", async () => {
  const response = await transfer(await issuer.token({ amr: ["pwd"] }), "100000");
  assert.equal(response.statusCode, 200);
});

test("disabling TOTP without a recent second factor is challenged", async () => {
  const token = await issuer.token({ amr: ["pwd", "otp", "mfa"], auth_time: nowSec() - 3600 });
  const response = await edge.app.inject({ method: "DELETE", url: "/v1/identity/me/mfa/totp", headers: bearer(token) });
  assert.equal(response.statusCode, 401);
  assert.match(String(response.headers["www-authenticate"]), /insufficient_user_authentication/);
});

test("a password change by a user without TOTP is left to identity", async () => {
  const response = await edge.app.inject({
    method: "POST",
    url: "/v1/identity/me/password",
    headers: bearer(await issuer.token({ amr: ["pwd"] })),
    payload: { currentPassword: "a", newPassword: "b" },
  });
  assert.equal(response.statusCode, 200);
});

test("an upstream STEP_UP_REQUIRED refusal becomes the same challenge", async () => {
  const refusal = new ConnectError("step-up required", Code.PermissionDenied, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: "STEP_UP_REQUIRED", domain: "wallet.ledger.v1" }) },
  ]);
  edge.failWith(refusal);
  try {
    const response = await transfer(await issuer.token({ amr: ["pwd"] }), "100");
    assert.equal(response.statusCode, 401);
    assert.match(String(response.headers["www-authenticate"]), /^Bearer error="insufficient_user_authentication"/);
  } finally {
    edge.failWith(undefined);
  }
});
