import type { z } from "zod";
import { sessionRevocationConfigShape } from "#platform/access-tokens/index.js";
import { durationMs, httpUrl, minorUnits, text } from "#platform/config/index.js";

/** Upstream defaults: the catalogue's ports on loopback (platform/mesh/catalogue.ts). */
const LOCAL_IDENTITY_URL = "http://127.0.0.1:8081";

/** The backoffice's own environment variables, merged into the mesh process config. */
export const backofficeConfigFields = {
  /** Identity's gRPC base URL. */
  IDENTITY_URL: httpUrl(LOCAL_IDENTITY_URL),
  /** The ledger's gRPC base URL. */
  LEDGER_URL: httpUrl("http://127.0.0.1:8082"),
  /** The risk service's gRPC base URL. */
  RISK_URL: httpUrl("http://127.0.0.1:8083"),
  /** The notification service's gRPC base URL. */
  NOTIFICATION_URL: httpUrl("http://127.0.0.1:8084"),
  /** `iss` expected in forwarded staff access tokens (identity's IDENTITY_ISSUER). */
  IDENTITY_ISSUER: httpUrl(LOCAL_IDENTITY_URL),
  /** `aud` expected in forwarded staff access tokens (identity's IDENTITY_AUDIENCE). */
  IDENTITY_AUDIENCE: text("wallet-api"),
  /** Identity's JWK Set; default `<IDENTITY_URL>/.well-known/jwks.json`. */
  IDENTITY_JWKS_URL: httpUrl().optional(),
  /** Identity's revoked-session list (SESSION_REVOCATION_REDIS_PREFIX, SESSION_REVOCATION_CACHE). */
  ...sessionRevocationConfigShape,
  /** Deadline of each upstream call; default 5 s. */
  BACKOFFICE_UPSTREAM_TIMEOUT: durationMs(5_000),
  /** Refunds above this many minor units (any currency) wait for a second staff member's approval; default 50000. */
  BACKOFFICE_APPROVAL_THRESHOLD_MINOR: minorUnits(50_000n),
  /** How long an approval request waits for a decision before it expires; default 24 h. */
  BACKOFFICE_APPROVAL_TTL: durationMs(24 * 3_600_000),
  /** How recent the second factor must be for high-impact actions (RFC 9470 step-up); default 5 min. */
  BACKOFFICE_STEP_UP_MAX_AGE: durationMs(5 * 60_000),
  /** How long an idempotency key's first answer is replayed; default 24 h. */
  BACKOFFICE_IDEMPOTENCY_RETENTION: durationMs(24 * 3_600_000),
};

/** The parsed fields of {@link backofficeConfigFields}. */
export type BackofficeConfig = z.output<z.ZodObject<typeof backofficeConfigFields>>;

/** The settings the use cases read. */
export interface BackofficeSettings {
  readonly upstreamTimeoutMs: number;
  readonly approvalThresholdMinor: bigint;
  readonly approvalTtlMs: number;
  readonly stepUpMaxAgeSec: number;
  readonly idempotencyRetentionMs: number;
}

/** Settings from the parsed configuration. */
export function backofficeSettings(config: BackofficeConfig): BackofficeSettings {
  return {
    upstreamTimeoutMs: config.BACKOFFICE_UPSTREAM_TIMEOUT,
    approvalThresholdMinor: config.BACKOFFICE_APPROVAL_THRESHOLD_MINOR,
    approvalTtlMs: config.BACKOFFICE_APPROVAL_TTL,
    stepUpMaxAgeSec: Math.max(1, Math.floor(config.BACKOFFICE_STEP_UP_MAX_AGE / 1000)),
    idempotencyRetentionMs: config.BACKOFFICE_IDEMPOTENCY_RETENTION,
  };
}

/** Settings for tests: the defaults. */
export const defaultBackofficeSettings: BackofficeSettings = {
  upstreamTimeoutMs: 5_000,
  approvalThresholdMinor: 50_000n,
  approvalTtlMs: 24 * 3_600_000,
  stepUpMaxAgeSec: 300,
  idempotencyRetentionMs: 24 * 3_600_000,
};
