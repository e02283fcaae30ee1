/**
 * The audit exporter's environment, merged into the mesh process config and
 * validated once at start-up; `auditExportSettings` adds the rules that span
 * variables or depend on NODE_ENV.
 */
import type { z } from "zod";
import { durationMs, envField, httpUrl, positiveInt } from "#platform/config/index.js";
import { parseSigningSecrets, type SigningKey } from "./domain/webhook-signature.js";

/** The local SIEM sink `npm start` runs (scripts/start/siem-sink.ts), on 1027 plus PORT_OFFSET. */
export const LOCAL_WEBHOOK_URL = "http://127.0.0.1:1027/webhook";

/** ReadAuditLog answers at most this many entries at once. */
export const MAX_BATCH_SIZE = 1_000;

/** Public development key (`whsec_` + base64 of 32 bytes): signs outside production when no secret is set, refused in production. */
export const DEVELOPMENT_SIGNING_SECRET = `whsec_${Buffer.from("development-only-audit-export-k!").toString("base64")}`;

/** One or more space-separated Standard Webhooks secrets; the value is never shown. */
function signingSecrets(): z.ZodType<string> {
  return envField(
    { expected: "one or more space-separated whsec_<base64 of 24-64 bytes> secrets", show: () => undefined },
    (raw) => {
      try {
        parseSigningSecrets(raw);
        return raw;
      } catch {
        return undefined;
      }
    },
  );
}

/** The exporter's own variables. */
export const auditExportConfigFields = {
  /** Where batches are POSTed; required in production (https), the local SIEM sink otherwise. */
  AUDIT_EXPORT_WEBHOOK_URL: httpUrl().optional(),
  /** `whsec_…` secret(s) signing every batch; several, space-separated, during a rotation. Required in production. */
  AUDIT_EXPORT_SIGNING_SECRET: signingSecrets().optional(),
  /** Entries per batch (1-1000); default 100. */
  AUDIT_EXPORT_BATCH_SIZE: positiveInt(100),
  /** Pause when the exporter has caught up (and a standby's between tries for the lock); default 2 s. */
  AUDIT_EXPORT_INTERVAL: durationMs(2_000),
  /** Bound on one webhook request; default 5 s. */
  AUDIT_EXPORT_REQUEST_TIMEOUT: durationMs(5_000),
  /** Attempts of one batch before it is dead-lettered; default 8. */
  AUDIT_EXPORT_MAX_ATTEMPTS: positiveInt(8),
  /** Ceiling of the first retry delay (full jitter, doubling); default 500 ms. */
  AUDIT_EXPORT_BACKOFF_BASE: durationMs(500),
  /** Largest retry delay; default 60 s. */
  AUDIT_EXPORT_BACKOFF_MAX: durationMs(60_000),
  /** How long the webhook may fail before /readyz does; default 5 min. */
  AUDIT_EXPORT_UNHEALTHY_AFTER: durationMs(5 * 60_000),
  /** The backoffice, whose AuditLogService the exporter reads. */
  BACKOFFICE_URL: httpUrl("http://127.0.0.1:8086"),
};

/** The parsed fields of {@link auditExportConfigFields}, with NODE_ENV. */
export type AuditExportConfig = z.output<z.ZodObject<typeof auditExportConfigFields>> & { readonly NODE_ENV: string };

/** What the exporter and the replay command run with. */
export interface AuditExportSettings {
  readonly webhookUrl: string;
  readonly signingKeys: readonly SigningKey[];
  /** True when no secret was configured and the public development key signs. */
  readonly developmentKey: boolean;
  readonly batchSize: number;
  readonly intervalMs: number;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  readonly unhealthyAfterMs: number;
  readonly backofficeUrl: string;
}

/**
 * Settings from the parsed configuration.
 * @throws Error naming the variable: a webhook URL or secret missing in
 * production, a plain-http webhook in production, a batch above 1000, a
 * zero interval, timeout or backoff maximum, a backoff base above its maximum.
 */
export function auditExportSettings(config: AuditExportConfig): AuditExportSettings {
  const production = config.NODE_ENV === "production";
  if (production && !config.AUDIT_EXPORT_WEBHOOK_URL) throw new Error("AUDIT_EXPORT_WEBHOOK_URL is required in production: an https:// URL");
  if (production && !config.AUDIT_EXPORT_WEBHOOK_URL!.startsWith("https:")) {
    throw new Error("AUDIT_EXPORT_WEBHOOK_URL must be an https:// URL in production: audit entries must not cross the network in clear");
  }
  if (production && !config.AUDIT_EXPORT_SIGNING_SECRET) {
    throw new Error("AUDIT_EXPORT_SIGNING_SECRET is required in production: one or more whsec_ secrets");
  }
  if (config.AUDIT_EXPORT_BATCH_SIZE > MAX_BATCH_SIZE) {
    throw new Error(`AUDIT_EXPORT_BATCH_SIZE must be at most ${MAX_BATCH_SIZE}, got ${config.AUDIT_EXPORT_BATCH_SIZE}`);
  }
  for (const variable of ["AUDIT_EXPORT_INTERVAL", "AUDIT_EXPORT_REQUEST_TIMEOUT", "AUDIT_EXPORT_BACKOFF_MAX"] as const) {
    if (config[variable] < 1) throw new Error(`${variable} must be at least 1 ms`);
  }
  if (config.AUDIT_EXPORT_BACKOFF_BASE > config.AUDIT_EXPORT_BACKOFF_MAX) {
    throw new Error("AUDIT_EXPORT_BACKOFF_BASE must not exceed AUDIT_EXPORT_BACKOFF_MAX");
  }
  return {
    webhookUrl: config.AUDIT_EXPORT_WEBHOOK_URL ?? LOCAL_WEBHOOK_URL,
    signingKeys: parseSigningSecrets(config.AUDIT_EXPORT_SIGNING_SECRET ?? DEVELOPMENT_SIGNING_SECRET),
    developmentKey: !config.AUDIT_EXPORT_SIGNING_SECRET,
    batchSize: config.AUDIT_EXPORT_BATCH_SIZE,
    intervalMs: config.AUDIT_EXPORT_INTERVAL,
    requestTimeoutMs: config.AUDIT_EXPORT_REQUEST_TIMEOUT,
    maxAttempts: config.AUDIT_EXPORT_MAX_ATTEMPTS,
    backoff: { baseMs: config.AUDIT_EXPORT_BACKOFF_BASE, maxMs: config.AUDIT_EXPORT_BACKOFF_MAX },
    unhealthyAfterMs: config.AUDIT_EXPORT_UNHEALTHY_AFTER,
    backofficeUrl: config.BACKOFFICE_URL,
  };
}
