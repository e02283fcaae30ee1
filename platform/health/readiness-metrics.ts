import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import { runReadinessChecks, type ReadinessCheck } from "./readiness.js";

/** Metric name: one series per readiness check, 1 when it answered at the scrape, 0 when not. */
export const READINESS_METRIC = "readiness_check_ok";

/** The checks each registry's gauge runs when scraped (the last admin server started on it wins). */
const checksByRegistry = new WeakMap<Registry, { checks: readonly ReadinessCheck[]; timeoutMs: number; logger?: Logger }>();

/**
 * Registers `readiness_check_ok{check}` on `registry` (once per registry):
 * when scraped it runs the same checks as `/readyz`, each bounded by
 * `timeoutMs`, so an alert sees a dependency the process cannot reach
 * without anyone probing `/readyz`. A process without checks exports the
 * metric with no series.
 */
export function registerReadinessMetric(
  registry: Registry,
  checks: readonly ReadinessCheck[],
  options: { timeoutMs: number; logger?: Logger },
): void {
  checksByRegistry.set(registry, { checks, ...options });
  if (registry.getSingleMetric(READINESS_METRIC)) return;
  const gauge: Gauge<"check"> = new Gauge({
    name: READINESS_METRIC,
    help: "Readiness checks (the ones /readyz runs) at scrape time: 1 answered, 0 failed or timed out.",
    labelNames: ["check"] as const,
    registers: [registry],
    async collect() {
      const current = checksByRegistry.get(registry);
      gauge.reset();
      if (!current || current.checks.length === 0) return;
      const report = await runReadinessChecks(current.checks, { timeoutMs: current.timeoutMs, ...(current.logger ? { logger: current.logger } : {}) });
      for (const result of report.checks) gauge.set({ check: result.name }, result.ok ? 1 : 0);
    },
  });
}
