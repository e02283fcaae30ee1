import assert from "node:assert/strict";
import { test } from "node:test";
import { assertDatabaseIsolation, databaseIdentity, findIsolationViolations, isolationMode } from "../isolation.js";

const shared = {
  LEDGER_DATABASE_URL: "postgres://ledger:pw@127.0.0.1:5432/wallet",
  BACKOFFICE_DATABASE_URL: "postgresql://backoffice@localhost/wallet?sslmode=disable",
  OPS_RISK_DATABASE_URL: "postgres://risk@127.0.0.1:5432/wallet_ops_risk",
};

test("URLs naming one database through different spellings are the same database", () => {
  assert.equal(databaseIdentity(shared.LEDGER_DATABASE_URL), databaseIdentity(shared.BACKOFFICE_DATABASE_URL));
  assert.notEqual(databaseIdentity(shared.LEDGER_DATABASE_URL), databaseIdentity("postgres://ledger@127.0.0.1:5433/wallet"));
});

test("two services configured with the same database are both reported", () => {
  const violations = findIsolationViolations(shared);
  assert.deepEqual(
    violations.map((v) => [v.variable, v.sharedWith]),
    [
      ["LEDGER_DATABASE_URL", ["BACKOFFICE_DATABASE_URL"]],
      ["BACKOFFICE_DATABASE_URL", ["LEDGER_DATABASE_URL"]],
    ],
  );
  assert.equal(violations[0]?.database, "localhost:5432/wallet");
});

test("strict mode refuses a process whose database is shared, naming both variables", () => {
  const env = { ...shared, DATABASE_ISOLATION_MODE: "strict" };
  assert.throws(() => assertDatabaseIsolation("LEDGER_DATABASE_URL", env), /LEDGER_DATABASE_URL shares database .* with BACKOFFICE_DATABASE_URL/);
  assert.doesNotThrow(() => assertDatabaseIsolation("OPS_RISK_DATABASE_URL", env));
});

test("warn mode reports a shared database without refusing", () => {
  const warnings: string[] = [];
  const found = assertDatabaseIsolation("LEDGER_DATABASE_URL", { ...shared, DATABASE_ISOLATION_MODE: "warn" }, (m) => warnings.push(m));
  assert.equal(found.length, 1);
  assert.match(warnings[0] ?? "", /BACKOFFICE_DATABASE_URL/);
});

test("the audit exporter may use the backoffice database by leaving its own variable unset", () => {
  const env = { BACKOFFICE_DATABASE_URL: "postgres://b@db:5432/backoffice", DATABASE_ISOLATION_MODE: "strict" };
  assert.deepEqual(findIsolationViolations(env), []);
  assert.doesNotThrow(() => assertDatabaseIsolation("AUDIT_EXPORT_DATABASE_URL", env));
  assert.equal(findIsolationViolations({ ...env, AUDIT_EXPORT_DATABASE_URL: env.BACKOFFICE_DATABASE_URL }).length, 2);
});

test("strict mode still refuses the audit exporter configured with the backoffice's database as its own", () => {
  const url = "postgres://b@db:5432/backoffice";
  const env = { BACKOFFICE_DATABASE_URL: url, AUDIT_EXPORT_DATABASE_URL: url, DATABASE_ISOLATION_MODE: "strict" };
  assert.throws(() => assertDatabaseIsolation("AUDIT_EXPORT_DATABASE_URL", env), /AUDIT_EXPORT_DATABASE_URL shares database .* with BACKOFFICE_DATABASE_URL/);
  assert.throws(() => assertDatabaseIsolation("BACKOFFICE_DATABASE_URL", env), /BACKOFFICE_DATABASE_URL shares database .* with AUDIT_EXPORT_DATABASE_URL/);
});

test("isolation is strict by default in production and warn elsewhere", () => {
  assert.equal(isolationMode({ NODE_ENV: "production" }), "strict");
  assert.equal(isolationMode({}), "warn");
  assert.throws(() => isolationMode({ DATABASE_ISOLATION_MODE: "loose" }), /DATABASE_ISOLATION_MODE must be one of/);
});
