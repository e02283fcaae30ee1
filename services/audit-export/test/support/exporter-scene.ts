/**
 * Test support: one scene of the export, in process. A real backoffice over
 * its own database, the exporter's own migrated database, a real test SIEM
 * sink, and exporters built by the same factories as the entry point
 * (`createAuditExporter` with the advisory leader lock, the signed
 * AuditLogService client and the webhook sender), each with its own metrics
 * registry and a logger whose lines the test can read.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import type { Kysely } from "kysely";
import { Registry } from "prom-client";
import { AuditLogService } from "#gen/wallet/backoffice/v1/audit_log_service_pb.js";
import { createServiceClient } from "#platform/clients/index.js";
import { readinessResponse, type ReadinessResponse } from "#platform/health/index.js";
import { createInternalAuthClientInterceptor } from "#platform/internal-auth/index.js";
import { createLogger } from "#platform/logging/index.js";
import { createTestDatabase, type TestDatabase, type TestRedis } from "#platform/testing/index.js";
import type { AuditExportSettings } from "../../src/config.js";
import { createAuditExporter } from "../../src/exporter.js";
import { createAdvisoryLeaderLock } from "../../src/leader-lock.js";
import { parseSigningSecrets } from "../../src/domain/webhook-signature.js";
import type { AuditExportDatabase } from "../../src/storage/audit-export.table.js";
import { createWebhookSender } from "../../src/webhook-sender.js";
import { EXPORTER_KEY, startBackofficeAuditLog, type BackofficeAuditLog } from "./backoffice-audit-log.js";
import { startTestSiemSink, type TestSiemSink } from "./test-siem-sink.js";

import { eventually } from "./eventually.js";

export { eventually };

export const migrationsFolder = new URL("../../migrations", import.meta.url).pathname;

/** A fresh Standard Webhooks secret. */
export const newSigningSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

/** Small intervals and backoffs, so a test waits little; no test asserts on speed. */
export const fastSettings: Omit<AuditExportSettings, "webhookUrl" | "signingKeys" | "developmentKey" | "backofficeUrl"> = {
  batchSize: 25,
  intervalMs: 20,
  requestTimeoutMs: 2_000,
  maxAttempts: 8,
  backoff: { baseMs: 10, maxMs: 50 },
  unhealthyAfterMs: 60_000,
};

/** One exporter of the scene, running. */
export interface RunningExporter {
  readonly registry: Registry;
  /** Every log line it wrote, JSON. */
  readonly logLines: string[];
  /** Its /readyz answer, built as the admin port builds it. */
  readiness(): Promise<ReadinessResponse>;
  /** The value of a metric series in its exposition, e.g. `audit_export_batches_total{outcome="delivered"}`. */
  metric(series: string): Promise<number | undefined>;
  /** Aborts its loop and waits for it (the lock is freed). */
  stop(): Promise<void>;
}

/** The parts of one test. */
export interface ExportScene {
  readonly backoffice: BackofficeAuditLog;
  readonly sink: TestSiemSink;
  readonly database: TestDatabase<AuditExportDatabase>;
  readonly db: Kysely<AuditExportDatabase>;
  /** The signing secret(s), space-separated as AUDIT_EXPORT_SIGNING_SECRET takes them. */
  readonly signingSecret: string;
  /** Resolves once the cursor has reached `position` (the receiver's 2xx comes before the exporter's commit). */
  cursorReaches(position: bigint): Promise<void>;
  /** Starts an exporter; settings override {@link fastSettings}; `backofficeUrl` points it elsewhere than the scene's backoffice. */
  startExporter(settings?: Partial<typeof fastSettings>, options?: { backofficeUrl?: string }): RunningExporter;
  close(): Promise<void>;
}

/** Reads one series' value out of a Prometheus exposition. */
export function seriesValue(exposition: string, series: string): number | undefined {
  const [name, labels = ""] = series.split("{");
  const wanted = labels.replace(/}$/, "").split(",").filter(Boolean);
  for (const line of exposition.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const [, lineLabels = "", value] = /^[^{\s]+(?:\{([^}]*)\})?\s+(\S+)$/.exec(line) ?? [];
    if (wanted.every((label) => lineLabels.split(",").includes(label))) return Number(value);
  }
  return undefined;
}

/** Builds a scene; `secrets` sign (and the sink checks each), default one fresh secret. */
export async function createExportScene(redis: TestRedis, options: { secrets?: string[] } = {}): Promise<ExportScene> {
  const secrets = options.secrets ?? [newSigningSecret()];
  const [backoffice, database, sink] = await Promise.all([
    startBackofficeAuditLog(redis),
    createTestDatabase<AuditExportDatabase>({ migrationsFolder }),
    startTestSiemSink(secrets),
  ]);
  const running = new Set<RunningExporter>();
  const signingSecret = secrets.join(" ");

  function startExporter(overrides: Partial<typeof fastSettings> = {}, options: { backofficeUrl?: string } = {}): RunningExporter {
    const settings = { ...fastSettings, ...overrides };
    const logLines: string[] = [];
    const logger = createLogger({
      service: "audit-export",
      level: "debug",
      destination: new Writable({ write: (chunk, _encoding, done) => (logLines.push(String(chunk)), done()) }),
    });
    const registry = new Registry();
    const exporter = createAuditExporter({
      db: database.db,
      leaderLock: createAdvisoryLeaderLock({ connectionString: database.url, logger }),
      auditLog: createServiceClient(AuditLogService, {
        baseUrl: options.backofficeUrl ?? backoffice.url,
        internalAuth: createInternalAuthClientInterceptor({ callerId: "audit-export", keyId: EXPORTER_KEY.INTERNAL_AUTH_KEY_ID, secret: EXPORTER_KEY.INTERNAL_AUTH_SECRET }),
      }),
      webhook: createWebhookSender({ url: sink.url, keys: parseSigningSecrets(signingSecret), timeoutMs: settings.requestTimeoutMs }),
      settings,
      registry,
      logger,
    });
    const controller = new AbortController();
    const done = exporter.run(controller.signal);
    const handle: RunningExporter = {
      registry,
      logLines,
      readiness: () => readinessResponse(exporter.readiness, { isShuttingDown: () => false }),
      metric: async (series) => seriesValue(await registry.metrics(), series),
      async stop() {
        controller.abort();
        await done;
        running.delete(handle);
      },
    };
    running.add(handle);
    return handle;
  }

  return {
    backoffice,
    sink,
    database,
    db: database.db,
    signingSecret,
    startExporter,
    cursorReaches: (position) =>
      eventually(async () => (await database.db.selectFrom("export_cursor").select("position").executeTakeFirstOrThrow()).position >= position, `the cursor at ${position}`),
    async close() {
      await Promise.all([...running].map((exporter) => exporter.stop()));
      await Promise.all([backoffice.close(), sink.close(), database.drop()]);
    },
  };
}
