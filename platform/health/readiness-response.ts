import type { Logger } from "pino";
import { runReadinessChecks, type ReadinessCheck } from "./readiness.js";

/** Options of {@link readinessResponse}. */
export interface ReadinessResponseOptions {
  /** True once shutdown has begun: the answer is then 503 at once. */
  readonly isShuttingDown: () => boolean;
  /** Bound on each check; default 2000 ms. */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

/** A readiness answer: 200 when ready, 503 otherwise, with its JSON body. */
export interface ReadinessResponse {
  readonly status: 200 | 503;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * Runs the readiness checks and builds the `/readyz` answer the admin port
 * and the gateway's REST port share: `{ status: "ready" | "not ready" |
 * "shutting down", failing, checks }`, plus `details: { <name>: { ok,
 * ...detail } }` for checks that report one.
 */
export async function readinessResponse(checks: readonly ReadinessCheck[], options: ReadinessResponseOptions): Promise<ReadinessResponse> {
  const shuttingDown: ReadinessResponse = { status: 503, body: { status: "shutting down", failing: [] } };
  if (options.isShuttingDown()) return shuttingDown;
  const report = await runReadinessChecks(checks, { timeoutMs: options.timeoutMs ?? 2000, logger: options.logger });
  if (options.isShuttingDown()) return shuttingDown;
  const failing = report.checks.filter((c) => !c.ok).map((c) => c.name);
  const results = Object.fromEntries(report.checks.map((c) => [c.name, c.ok ? "ok" : c.reason]));
  const detailed = report.checks.filter((c) => c.detail !== undefined);
  const details = Object.fromEntries(detailed.map((c) => [c.name, { ok: c.ok, ...c.detail }]));
  return {
    status: report.ready ? 200 : 503,
    body: { status: report.ready ? "ready" : "not ready", failing, checks: results, ...(detailed.length > 0 ? { details } : {}) },
  };
}
