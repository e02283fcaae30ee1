import { sql } from "kysely";
import { sweepExpiredIdempotencyKeys } from "#platform/idempotency/index.js";
import type { LedgerDeps } from "./context.js";
import { expireDueHolds } from "./transport/ledger-handlers.js";

/** Advisory lock key of the ledger's maintenance: one replica at a time runs it. */
export const MAINTENANCE_LOCK_KEY = 0x1ed9e7n;

/** What one maintenance pass did; `skipped` when another replica held the lock. */
export interface MaintenanceResult {
  readonly skipped: boolean;
  readonly expiredHolds: number;
  readonly sweptKeys: number;
}

/**
 * One maintenance pass: expires due holds and deletes idempotency keys past
 * their retention, under a PostgreSQL session advisory lock so only one
 * replica works at a time (the others skip the pass).
 */
export async function runMaintenance(deps: Pick<LedgerDeps, "db" | "clock">): Promise<MaintenanceResult> {
  return deps.db.connection().execute(async (conn) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${MAINTENANCE_LOCK_KEY}::bigint) AS locked`.execute(conn);
    if (!rows[0]?.locked) return { skipped: true, expiredHolds: 0, sweptKeys: 0 };
    try {
      let expiredHolds = 0;
      for (;;) {
        const batch = await expireDueHolds(deps, deps.clock(), 500);
        expiredHolds += batch.expired.length;
        if (!batch.hasMore || batch.expired.length === 0) break;
      }
      let sweptKeys = 0;
      for (;;) {
        const swept = await sweepExpiredIdempotencyKeys(deps.db, 1_000);
        sweptKeys += swept;
        if (swept < 1_000) break;
      }
      return { skipped: false, expiredHolds, sweptKeys };
    } finally {
      await sql`SELECT pg_advisory_unlock(${MAINTENANCE_LOCK_KEY}::bigint)`.execute(conn);
    }
  });
}

/**
 * Runs {@link runMaintenance} every `maintenanceIntervalMs` until `signal`
 * aborts; failures are logged and the next pass tries again.
 */
export function startMaintenanceLoop(deps: LedgerDeps, signal: AbortSignal): void {
  const interval = deps.config.maintenanceIntervalMs;
  if (interval <= 0) return;
  let running = false;
  const timer = setInterval(() => {
    if (running || signal.aborted) return;
    running = true;
    runMaintenance(deps)
      .then((result) => {
        if (result.expiredHolds || result.sweptKeys) deps.logger.info(result, "ledger maintenance");
      })
      .catch((err: unknown) => deps.logger.warn({ err }, "ledger maintenance failed"))
      .finally(() => {
        running = false;
      });
  }, interval);
  timer.unref();
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}
