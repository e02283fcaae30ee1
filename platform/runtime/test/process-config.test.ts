import assert from "node:assert/strict";
import { test } from "node:test";
import { readConfig } from "../../config/index.js";
import { processByName } from "../../mesh/catalogue.js";
import { meshProcessConfigSchema, processDatabase } from "../process-config.js";

const exporter = processByName("audit-export");
const backofficeUrl = "postgres://backoffice@db:5432/wallet_backoffice";

/** The exporter's database as its runtime resolves it from `env`. */
const exporterDatabase = (env: Record<string, string>) => processDatabase(exporter, readConfig(meshProcessConfigSchema(exporter), env));

test("the audit exporter's configuration accepts the backoffice's database in place of its own, in schema audit_export", () => {
  assert.deepEqual(exporterDatabase({ BACKOFFICE_DATABASE_URL: backofficeUrl }), {
    variable: "AUDIT_EXPORT_DATABASE_URL",
    url: backofficeUrl,
    source: "shared-backoffice",
    schema: "audit_export",
  });
});

test("the audit exporter's configuration with neither database variable is refused naming AUDIT_EXPORT_DATABASE_URL", () => {
  assert.throws(() => exporterDatabase({}), /^Error: AUDIT_EXPORT_DATABASE_URL is required: a postgres:\/\/ URL \(or leave it unset and set BACKOFFICE_DATABASE_URL/);
  assert.throws(() => exporterDatabase({ AUDIT_EXPORT_DATABASE_URL: "  " }), /AUDIT_EXPORT_DATABASE_URL is required/);
});

test("the audit exporter's own database variable wins over the backoffice's", () => {
  const own = "postgres://exporter@db:5432/wallet_audit_export";
  assert.deepEqual(exporterDatabase({ AUDIT_EXPORT_DATABASE_URL: own, BACKOFFICE_DATABASE_URL: backofficeUrl }), {
    variable: "AUDIT_EXPORT_DATABASE_URL",
    url: own,
    source: "env",
  });
});

test("another process's missing database variable is not filled in by the backoffice's", () => {
  const ledger = processByName("ledger");
  assert.throws(() => readConfig(meshProcessConfigSchema(ledger), { BACKOFFICE_DATABASE_URL: backofficeUrl }), /LEDGER_DATABASE_URL is required/);
});
