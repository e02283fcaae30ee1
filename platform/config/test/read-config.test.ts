import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import {
  ConfigError,
  amqpUrl,
  boolean,
  durationMs,
  oneOf,
  port,
  postgresUrl,
  processConfigSchema,
  readConfig,
  secret,
} from "../index.js";

const ledgerSchema = processConfigSchema({ grpcPort: 8082, adminPort: 9082 }).extend({
  LEDGER_DATABASE_URL: postgresUrl(),
  INTERNAL_AUTH_MODE: oneOf(["hmac", "mesh", "off"], "hmac"),
});

const validEnv = { LEDGER_DATABASE_URL: "postgres://ledger:pw@127.0.0.1:5432/wallet_ledger" };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected readConfig to throw");
}

describe("readConfig", () => {
  it("returns a frozen object with defaults applied", () => {
    const config = readConfig(ledgerSchema, validEnv);
    assert.equal(config.GRPC_PORT, 8082);
    assert.equal(config.ADMIN_PORT, 9082);
    assert.equal(config.NODE_ENV, "development");
    assert.equal(config.LOG_LEVEL, "info");
    assert.equal(config.HOST, "0.0.0.0");
    assert.equal(config.SHUTDOWN_TIMEOUT_MS, 10_000);
    assert.equal(config.INTERNAL_AUTH_MODE, "hmac");
    assert.ok(Object.isFrozen(config));
  });

  it("names a missing variable and its expected form", () => {
    const error = configError(() => readConfig(ledgerSchema, {}));
    assert.match(error.message, /LEDGER_DATABASE_URL is required: a postgres:\/\/ URL/);
    assert.deepEqual(error.problems.map((p) => p.variable), ["LEDGER_DATABASE_URL"]);
  });

  it("names a malformed variable, its expected form and the value", () => {
    const error = configError(() => readConfig(ledgerSchema, { ...validEnv, GRPC_PORT: "abc" }));
    assert.match(error.message, /GRPC_PORT must be an integer port 0-65535, got "abc"/);
  });

  it("reports every bad variable at once", () => {
    const error = configError(() => readConfig(ledgerSchema, { ADMIN_PORT: "70000", NODE_ENV: "prod" }));
    assert.deepEqual(
      error.problems.map((p) => p.variable),
      ["NODE_ENV", "ADMIN_PORT", "LEDGER_DATABASE_URL"],
    );
    assert.match(error.message, /NODE_ENV must be one of development, test, production, got "prod"/);
  });

  it("treats an empty variable as unset", () => {
    const config = readConfig(ledgerSchema, { ...validEnv, GRPC_PORT: "" });
    assert.equal(config.GRPC_PORT, 8082);
  });

  it("masks URL credentials when rejecting a URL", () => {
    const error = configError(() =>
      readConfig(ledgerSchema, { LEDGER_DATABASE_URL: "mysql://root:hunter2@db/ledger" }),
    );
    assert.match(error.message, /LEDGER_DATABASE_URL must be a postgres:\/\/ URL, got "mysql:\/\/\*\*\*@db\/ledger"/);
    assert.doesNotMatch(error.message, /hunter2/);
  });

  it("never echoes a rejected secret", () => {
    const schema = z.object({ INTERNAL_AUTH_KEY: secret(32) });
    const error = configError(() => readConfig(schema, { INTERNAL_AUTH_KEY: "changeme" }));
    assert.match(error.message, /INTERNAL_AUTH_KEY must be a secret of at least 32 characters, \(value hidden\)/);
    assert.doesNotMatch(error.message, /changeme/);
  });

  it("parses durations, flags and URLs into typed values", () => {
    const schema = z.object({
      TIMEOUT: durationMs(),
      RETRY: durationMs(),
      ENABLED: boolean(false),
      AMQP: amqpUrl("amqp://127.0.0.1:5672"),
      PORT: port(),
    });
    const config = readConfig(schema, { TIMEOUT: "10s", RETRY: "250", ENABLED: "yes", PORT: "0" });
    assert.deepEqual(
      { ...config },
      { TIMEOUT: 10_000, RETRY: 250, ENABLED: true, AMQP: "amqp://127.0.0.1:5672", PORT: 0 },
    );
  });
});
