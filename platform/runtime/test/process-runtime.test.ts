import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Starts the real ledger entry point with the given environment and collects how it ended. */
function runLedger(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "services/ledger/src/main.ts")], {
    env: { PATH: process.env.PATH, GRPC_PORT: "0", ADMIN_PORT: "0", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) =>
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

const secret = "s".repeat(40);
const shared = "postgres://postgres@127.0.0.1:5432/wallet_shared_by_mistake";

test("a service in strict isolation mode refuses to start on a database another service is configured with", async () => {
  const { code, stderr } = await runLedger({
    DATABASE_ISOLATION_MODE: "strict",
    LEDGER_DATABASE_URL: shared,
    IDENTITY_DATABASE_URL: shared,
    INTERNAL_AUTH_SECRET: secret,
  });
  assert.equal(code, 1);
  assert.match(stderr, /LEDGER_DATABASE_URL/);
  assert.match(stderr, /IDENTITY_DATABASE_URL/);
});

test("a service stops at start-up naming its missing database variable", async () => {
  const { code, stderr } = await runLedger({ INTERNAL_AUTH_SECRET: secret });
  assert.equal(code, 1);
  assert.match(stderr, /LEDGER_DATABASE_URL is required/);
});

test("a service in hmac mode stops at start-up naming the missing signing secret", async () => {
  const { code, stderr } = await runLedger({ LEDGER_DATABASE_URL: shared });
  assert.equal(code, 1);
  assert.match(stderr, /INTERNAL_AUTH_SECRET is required/);
});

test("a service refuses INTERNAL_AUTH_MODE=off in production", async () => {
  const { code, stderr } = await runLedger({ NODE_ENV: "production", INTERNAL_AUTH_MODE: "off", LEDGER_DATABASE_URL: shared });
  assert.equal(code, 1);
  assert.match(stderr, /INTERNAL_AUTH_MODE/);
});
