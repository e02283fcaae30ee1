/**
 * The audit-export worker: follows the backoffice audit log in chain order
 * (AuditLogService/ReadAuditLog, signed as "audit-export": no table of the
 * backoffice is read) and delivers it to the SIEM webhook in Standard
 * Webhooks-signed batches of OCSF API Activity events, at least once, with
 * retries, dead letters and one exporter at a time (an advisory lock in its
 * database). Its database is its own (AUDIT_EXPORT_DATABASE_URL) or, with that
 * unset, the backoffice's (BACKOFFICE_DATABASE_URL), its tables then in schema
 * audit_export (the runtime's pool searches only that schema). Health,
 * readiness and the audit_export_* metrics on its admin port. See
 * docs/audit-export.md.
 */
import type { Kysely } from "kysely";
import { AuditLogService } from "#gen/wallet/backoffice/v1/audit_log_service_pb.js";
import { createServiceClient } from "#platform/clients/index.js";
import { dbReadinessCheck } from "#platform/db/index.js";
import { createProcessRuntime, runWorkerProcess } from "#platform/runtime/index.js";
import { auditExportConfigFields, auditExportSettings, type AuditExportSettings } from "./config.js";
import { createAuditExporter } from "./exporter.js";
import { createAdvisoryLeaderLock } from "./leader-lock.js";
import type { AuditExportDatabase } from "./storage/audit-export.table.js";
import { createWebhookSender } from "./webhook-sender.js";

const runtime = createProcessRuntime("audit-export", { extraConfig: auditExportConfigFields });
const { config, logger } = runtime;
const db = runtime.db as Kysely<AuditExportDatabase>;

let settings: AuditExportSettings;
try {
  settings = auditExportSettings(config);
} catch (err) {
  console.error(`invalid configuration: ${(err as Error).message}`);
  process.exit(1);
}
if (settings.developmentKey) logger.warn("AUDIT_EXPORT_SIGNING_SECRET is not set: signing with the public development key (refused in production)");
logger.info({ webhookHost: new URL(settings.webhookUrl).host, signingKeys: settings.signingKeys.length, batchSize: settings.batchSize }, "audit export settings");

const exporter = createAuditExporter({
  db,
  leaderLock: createAdvisoryLeaderLock({ connectionString: runtime.database!.url, logger }),
  auditLog: createServiceClient(AuditLogService, { baseUrl: settings.backofficeUrl, internalAuth: runtime.internalAuth.clientInterceptor }),
  webhook: createWebhookSender({ url: settings.webhookUrl, keys: settings.signingKeys, timeoutMs: settings.requestTimeoutMs }),
  settings,
  registry: runtime.metrics.registry,
  logger,
});

// Redis, opened by the runtime, is not on the exporter's path.
await runWorkerProcess(runtime, (signal) => exporter.run(signal), { readiness: [dbReadinessCheck(db), ...exporter.readiness] });
