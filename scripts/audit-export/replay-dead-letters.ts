/**
 * Sends the audit exporter's dead-lettered batches to the SIEM webhook again
 * (oldest range first, same webhook-id, re-signed with a fresh timestamp),
 * once whatever made the receiver refuse them is fixed (ops tool). A batch
 * delivered is marked replayed; one that fails again stays a dead letter.
 *
 *   npm run audit-export:replay-dead-letters -- --limit 200
 *
 * Database: AUDIT_EXPORT_DATABASE_URL; with it unset, an explicitly set
 * BACKOFFICE_DATABASE_URL (the exporter's tables in schema audit_export, as
 * the exporter runs); otherwise, outside production, the local default.
 * Webhook and signing: the exporter's own AUDIT_EXPORT_WEBHOOK_URL,
 * AUDIT_EXPORT_SIGNING_SECRET and AUDIT_EXPORT_REQUEST_TIMEOUT. Prints
 * `{"replayed":N,"failed":F,"remaining":M}`; exits 2 on bad arguments or
 * configuration, 1 when the replay could not run or a batch failed again.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { nodeEnvironments, oneOf, readConfig } from "../../platform/config/index.js";
import { closeDb, createDb, resolveDatabaseUrl, type ResolvedDatabaseUrl } from "../../platform/db/index.js";
import { auditExportConfigFields, auditExportSettings, type AuditExportSettings } from "../../services/audit-export/src/config.js";
import { MAX_REPLAY_LIMIT, replayDeadLetters } from "../../services/audit-export/src/replay-dead-letters.js";
import type { AuditExportDatabase } from "../../services/audit-export/src/storage/audit-export.table.js";
import { createWebhookSender } from "../../services/audit-export/src/webhook-sender.js";

const usage = `usage: replay-dead-letters.ts [--limit N (1-${MAX_REPLAY_LIMIT}, default 200)]`;

/** The validated --limit; throws a message naming the bad flag. */
function parseLimit(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv.filter((a) => a !== "--"),
    allowPositionals: true,
    options: { limit: { type: "string", default: "200" } },
  });
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
  const limit = Number(values.limit);
  if (!/^\d+$/.test(values.limit) || limit <= 0 || limit > MAX_REPLAY_LIMIT) {
    throw new Error(`--limit must be an integer from 1 to ${MAX_REPLAY_LIMIT}, got "${values.limit}"`);
  }
  return limit;
}

/** The exporter's webhook settings from the environment. */
function settingsFromEnv(): AuditExportSettings {
  const schema = z.object({ NODE_ENV: oneOf(nodeEnvironments, "development"), ...auditExportConfigFields });
  return auditExportSettings(readConfig(schema));
}

async function main(argv: string[]): Promise<number> {
  let limit: number;
  let settings: AuditExportSettings;
  let database: ResolvedDatabaseUrl;
  try {
    limit = parseLimit(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  try {
    settings = settingsFromEnv();
    database = resolveDatabaseUrl("AUDIT_EXPORT_DATABASE_URL");
  } catch (err) {
    console.error(`invalid configuration: ${(err as Error).message}`);
    return 2;
  }

  const db = createDb<AuditExportDatabase>(database.url, { poolSize: 1, applicationName: "audit-export-replay", searchPath: database.schema });
  try {
    const webhook = createWebhookSender({ url: settings.webhookUrl, keys: settings.signingKeys, timeoutMs: settings.requestTimeoutMs });
    const result = await replayDeadLetters({ db, webhook }, { limit });
    console.log(JSON.stringify(result));
    return result.failed > 0 ? 1 : 0;
  } catch (err) {
    console.error(`audit-export: replay failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await closeDb(db);
  }
}

process.exitCode = await main(process.argv.slice(2));
