import type { Logger } from "pino";

/**
 * A dependency the process needs to serve traffic, e.g. `SELECT 1` against
 * its database or a Redis PING. `check` resolves when the dependency answers
 * and rejects otherwise; it may stop early when `signal` aborts (timeout).
 */
export interface ReadinessCheck {
  readonly name: string;
  check(signal?: AbortSignal): Promise<void>;
}

/** One check's result; failure reasons are generic so no secret can leak. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly reason?: "failed" | "timeout";
}

/** The outcome of running every readiness check. */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: readonly CheckResult[];
}

/**
 * Runs every check concurrently, each bounded by `timeoutMs`. The real error
 * goes to the log; the report only says which check failed and how.
 */
export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
  options: { timeoutMs: number; logger?: Logger },
): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((check) => runOne(check, options)));
  return { ready: results.every((r) => r.ok), checks: results };
}

async function runOne(
  check: ReadinessCheck,
  options: { timeoutMs: number; logger?: Logger },
): Promise<CheckResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), options.timeoutMs);
  });
  try {
    const outcome = await Promise.race([check.check(controller.signal).then(() => "ok" as const), timeout]);
    if (outcome === "ok") return { name: check.name, ok: true };
    controller.abort();
    options.logger?.warn({ check: check.name, timeoutMs: options.timeoutMs }, "readiness check timed out");
    return { name: check.name, ok: false, reason: "timeout" };
  } catch (err) {
    options.logger?.warn({ check: check.name, err }, "readiness check failed");
    return { name: check.name, ok: false, reason: "failed" };
  } finally {
    clearTimeout(timer);
  }
}
