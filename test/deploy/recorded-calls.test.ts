/**
 * The record of the calls the services' clients make during the test run,
 * and the check scripts/test.sh runs on it once every test has finished.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { createCallRecorder } from "../../platform/clients/call-record.js";
import { committedAuthorizationPolicies, judgeCalls, readRecordedCalls } from "../../scripts/k8s/recorded-calls.js";

const call = (caller: string | undefined, typeName: string, method: string) => ({
  service: { typeName },
  method: { name: method },
  header: new Headers(caller ? { "x-internal-caller": caller } : {}),
});

test("the client recorder writes each distinct caller → RPC pair once, and nothing for a call without a caller id", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "recorded-calls-"));
  try {
    const recorder = createCallRecorder(dir);
    const next = async () => ({}) as never;
    for (const req of [call("ledger", "wallet.risk.v1.RiskService", "ScoreTransaction"), call("ledger", "wallet.risk.v1.RiskService", "ScoreTransaction"), call(undefined, "test.SlowService", "Sleep")]) {
      await recorder(next)(req as never);
    }
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.deepEqual(readFileSync(path.join(dir, files[0]!), "utf8").trim().split("\n").map((l) => JSON.parse(l)), [
      { caller: "ledger", procedure: "/wallet.risk.v1.RiskService/ScoreTransaction" },
    ]);
    assert.deepEqual(readRecordedCalls(dir), [{ caller: "ledger", procedure: "/wallet.risk.v1.RiskService/ScoreTransaction" }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a recorded call the graph allows passes the policy; one outside it is refused naming the caller and RPC; a test's own service is set aside", () => {
  const verdict = judgeCalls(
    [
      { caller: "ledger", procedure: "/wallet.risk.v1.RiskService/ScoreTransaction" },
      { caller: "payments", procedure: "/wallet.ledger.v1.LedgerService/TopUp" },
      { caller: "mobile-bff", procedure: "/wallet.ledger.v1.LedgerService/TopUp" },
      { caller: "intruder", procedure: "/wallet.ledger.v1.LedgerService/GetBalance" },
      { caller: "gateway", procedure: "/test.v1.SlowService/Sleep" },
    ],
    committedAuthorizationPolicies(),
  );
  assert.deepEqual(verdict.allowed.map((c) => c.caller), ["ledger", "payments"]);
  assert.deepEqual(verdict.refused.map((c) => `${c.caller} ${c.procedure}`), ["mobile-bff /wallet.ledger.v1.LedgerService/TopUp", "intruder /wallet.ledger.v1.LedgerService/GetBalance"]);
  assert.match(verdict.refused[0]!.reason, /call-graph\.ts/);
  assert.deepEqual(verdict.outside.map((c) => c.procedure), ["/test.v1.SlowService/Sleep"]);
});
