import assert from "node:assert/strict";
import { test } from "node:test";
import { databaseEntry, localDatabaseUrl, resolveDatabaseUrl } from "../database-url.js";

test("the local default URL is the catalogue's database name on the local server", () => {
  assert.equal(localDatabaseUrl(databaseEntry("ledger")), "postgres://postgres@127.0.0.1:5432/wallet_ledger");
  assert.equal(localDatabaseUrl(databaseEntry("risk"), "postgres://u:p@10.0.0.5:6543/postgres"), "postgres://u:p@10.0.0.5:6543/wallet_ops_risk");
});

test("a set variable wins, and outside production an unset one falls back to the local default", () => {
  assert.deepEqual(resolveDatabaseUrl("LEDGER_DATABASE_URL", { LEDGER_DATABASE_URL: "postgres://x@db/ledger" }), { url: "postgres://x@db/ledger", source: "env" });
  assert.equal(resolveDatabaseUrl("LEDGER_DATABASE_URL", {}).source, "local-default");
});

test("in production an unset database variable is an error naming it", () => {
  assert.throws(() => resolveDatabaseUrl("LEDGER_DATABASE_URL", { NODE_ENV: "production" }), /LEDGER_DATABASE_URL is not set/);
});

test("the audit exporter without its own URL uses an explicitly set backoffice URL, in schema audit_export", () => {
  const env = { NODE_ENV: "production", BACKOFFICE_DATABASE_URL: "postgres://b@db/backoffice" };
  assert.deepEqual(resolveDatabaseUrl("AUDIT_EXPORT_DATABASE_URL", env), { url: env.BACKOFFICE_DATABASE_URL, source: "shared-backoffice", schema: "audit_export" });
});
