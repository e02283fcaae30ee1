import { durationMs } from "#platform/config/index.js";
import type { LedgerSettings } from "./context.js";

/** The ledger's own environment variables, merged into the mesh process config. */
export const ledgerConfigFields = {
  /** How long idempotency keys replay their result; default 24 h. */
  LEDGER_IDEMPOTENCY_RETENTION: durationMs(24 * 3_600_000),
  /** How long a request waits for an in-flight request with its key before ABORTED; default 5 s. */
  LEDGER_IDEMPOTENCY_WAIT: durationMs(5_000),
  /** Period of hold expiry and the key sweep; default 30 s, 0 turns the loop off. */
  LEDGER_MAINTENANCE_INTERVAL: durationMs(30_000),
};

/** Settings from the parsed configuration. */
export function ledgerSettings(config: {
  LEDGER_IDEMPOTENCY_RETENTION: number;
  LEDGER_IDEMPOTENCY_WAIT: number;
  LEDGER_MAINTENANCE_INTERVAL: number;
}): LedgerSettings {
  return {
    idempotencyRetentionMs: config.LEDGER_IDEMPOTENCY_RETENTION,
    idempotencyWaitMs: config.LEDGER_IDEMPOTENCY_WAIT,
    maintenanceIntervalMs: config.LEDGER_MAINTENANCE_INTERVAL,
  };
}

/** Settings for tests and tools: the defaults. */
export const defaultLedgerSettings: LedgerSettings = {
  idempotencyRetentionMs: 24 * 3_600_000,
  idempotencyWaitMs: 5_000,
  maintenanceIntervalMs: 30_000,
};
