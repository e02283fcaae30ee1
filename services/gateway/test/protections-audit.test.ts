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

test("a request writes one audit line with who, route, status, outcome, latency, request id and client ip", async () => {
  const sub = "33333333-3333-4333-8333-333333333333";
  const before = edge.auditLines.length;
  await edge.app.inject({ method: "GET", url: "/v1/accounts/acc-1/balance", remoteAddress: "10.9.0.1", headers: bearer(await issuer.token({ sub })) });
  assert.equal(edge.auditLines.length, before + 1);
  const line = edge.auditLines[before]!;
  assert.equal(line.sub, sub);
  assert.equal(line.route, "/v1/accounts/:account_id/balance");
  assert.equal(line.rpc, "wallet.bff.v1.MobileBffService.GetBalance");
  assert.equal(line.httpMethod, "GET");
  assert.equal(line.status, 200);
  assert.equal(line.outcome, "ok");
  assert.equal(line.clientIp, "10.9.0.1");
  assert.equal(typeof line.latencyMs, "number");
  assert.equal(typeof line.requestId, "string");
});

test("the audit line never carries the token, the body or its secrets", async () => {
  const token = await issuer.token();
  const before = edge.auditLines.length;
  await edge.app.inject({ method: "POST", url: "/v1/identity/me/password", headers: bearer(token), payload: { currentPassword: "hunter2-old", newPassword: "hunter2-new" } });
  const text = JSON.stringify(edge.auditLines.slice(before));
  assert.ok(!text.includes(token));
  assert.ok(!text.includes(token.split(".")[2]!));
  assert.ok(!text.includes("hunter2"));
});

test("a refused request is audited as anonymous with the refusal's reason", async () => {
  const before = edge.auditLines.length;
  await edge.app.inject({ method: "GET", url: "/v1/identity/me", headers: bearer("garbage") });
  const line = edge.auditLines[before]!;
  assert.equal(line.sub, "anonymous");
  assert.equal(line.status, 401);
  assert.equal(line.outcome, "refused");
  assert.equal(line.reason, "INVALID_TOKEN");
});
