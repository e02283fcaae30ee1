import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";

const fixture = fileURLToPath(new URL("./fixtures/load-ledger-config.ts", import.meta.url));

function runFixture(env: Record<string, string>) {
  const { LEDGER_DATABASE_URL: _ignored, GRPC_PORT: _alsoIgnored, ...inherited } = process.env;
  return spawnSync(process.execPath, ["--import", "tsx", fixture], {
    env: { ...inherited, ...env },
    encoding: "utf8",
  });
}

describe("loadConfig", () => {
  it("exits with status 1 and names the missing variable on stderr", () => {
    const result = runFixture({});
    assert.equal(result.status, 1);
    assert.match(result.stderr, /LEDGER_DATABASE_URL is required: a postgres:\/\/ URL/);
    assert.equal(result.stdout, "");
  });

  it("lets the process start when the configuration is valid", () => {
    const result = runFixture({ LEDGER_DATABASE_URL: "postgres://127.0.0.1/wallet_ledger", GRPC_PORT: "18082" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "started on 18082\n");
  });
});
