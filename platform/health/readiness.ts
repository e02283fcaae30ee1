import type { Logger } from "pino";

/**
 * A dependency the process needs to serve traffic, e.g. `SELECT 1` against
 * its database or a Redis PING. `check` resolves when the dependency answers
 * and rejects otherwise; it may stop early when `signal` aborts (timeout).
 */
export interface ReadinessCheck {
  readonly name: string;
  check(signal?: AbortSignal): Promise<void>;
  /**
   * State worth showing beside the verdict, read once the check has settled,
   * e.g. `{ reconnectAttempt: 3, retryInMs: 4200 }` while a client is
   * reconnecting. Numbers, booleans and fixed words only: never an error
   * message or anything else that could carry a secret.
   */
  detail?(): ReadinessDetail;
}

/** What a check shows beside its verdict on /readyz. */
export type ReadinessDetail = Readonly<Record<string, number | boolean | string>>;

/** One check's result; failure reasons are generic so no secret can leak. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly reason?: "failed" | "timeout";
  /** The check's {@link ReadinessCheck.detail}, when it has one. */
  readonly detail?: ReadinessDetail;
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
  const results = await Promise.all(checks.map(async (check) => withDetail(check, await runOne(check, options))));
  return { ready: results.every((r) => r.ok), checks: results };
}

function withDetail(check: ReadinessCheck, result: CheckResult): CheckResult {
  if (!check.detail) return result;
  try {
    return { ...result, detail: check.detail() };
  } catch {
    return result; // a broken detail never changes the verdict
  }
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
