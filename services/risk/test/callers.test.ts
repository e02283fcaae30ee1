/**
 * Who may call what: scoring counts toward a user's velocity, so only the
 * ledger scores; alerts, rules, the blocklist and the dead letters are
 * backoffice's alone. The refusals come from the mesh's call graph, which
 * the harness puts in front of the routes as serveProcess does.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { money, useRisk } from "./support/risk-harness.js";

const risk = useRisk();

async function codeOf(call: Promise<unknown>): Promise<Code> {
  try {
    await call;
  } catch (err) {
    return ConnectError.from(err).code;
  }
  throw new Error("the call succeeded");
}

test("a service other than the ledger is refused scoring with PermissionDenied, and nothing counts toward velocity", async () => {
  const h = await risk();
  const request = { userId: "user-callers", deviceId: "device-1", ipAddress: "198.51.100.9", amount: money(100n), referenceId: "callers-1" };
  assert.equal(await codeOf(h.clientAs({ callerId: "mobile-bff", mode: "hmac" }).scoreTransaction(request)), Code.PermissionDenied);
  assert.equal(await codeOf(h.client.scoreTransaction(request)), Code.PermissionDenied, "backoffice does not score either");
  assert.deepEqual(await h.deps.redis.keys(`${h.deps.config.redisPrefix}*`), []);
});

test("the ledger is refused the staff RPCs with PermissionDenied", async () => {
  const h = await risk();
  const ledger = h.scorer;
  assert.equal(await codeOf(ledger.listAlerts({})), Code.PermissionDenied);
  assert.equal(await codeOf(ledger.listRules({})), Code.PermissionDenied);
  assert.equal(await codeOf(ledger.deleteRule({ ruleId: "amount-eur-large" })), Code.PermissionDenied);
  assert.equal(await codeOf(ledger.listBlocklistEntries({})), Code.PermissionDenied);
  assert.equal(await codeOf(ledger.replayDeadLetters({})), Code.PermissionDenied);
});
