import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Runs scripts/ops/check-db-isolation.ts with only the given database variables. */
function runCheck(databaseEnv: Record<string, string>) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...databaseEnv };
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/ops/check-db-isolation.ts"], { cwd: repoRoot, env, encoding: "utf8" });
}

test("the isolation check exits 1 and lists the variables when two services share a database", () => {
  const result = runCheck({
    LEDGER_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/shared",
    OPS_RISK_DATABASE_URL: "postgres://postgres@localhost/shared",
    IDENTITY_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/wallet_identity",
  });
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stdout, /LEDGER_DATABASE_URL shares database localhost:5432\/shared with OPS_RISK_DATABASE_URL/);
  assert.match(result.stdout, /OPS_RISK_DATABASE_URL shares database localhost:5432\/shared with LEDGER_DATABASE_URL/);
  assert.doesNotMatch(result.stdout, /IDENTITY_DATABASE_URL shares/);
});

test("the isolation check exits 0 when every service has its own database", () => {
  const result = runCheck({
    LEDGER_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/wallet_ledger",
    OPS_RISK_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/wallet_ops_risk",
    BACKOFFICE_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/wallet_backoffice",
  });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /database isolation: OK/);
});
