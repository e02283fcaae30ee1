/**
 * How long the exporter's two dependencies have been failing, and the
 * readiness checks built on it: "webhook" fails once the SIEM webhook has
 * refused or missed every attempt for longer than AUDIT_EXPORT_UNHEALTHY_AFTER
 * (any 2xx ends the run), "backoffice" likewise for reading the audit log.
 * Their details say why in fixed words and numbers (never an error text).
 */
import type { ReadinessCheck, ReadinessDetail } from "#platform/health/index.js";
import type { StatusClass } from "./domain/delivery-outcome.js";

/** The state of one dependency. */
interface Run {
  failingSince: number | undefined;
  failures: number;
  lastStatusClass: StatusClass | "none";
}

/** What the exporter tells its health, and the checks /readyz runs. */
export interface ExportHealth {
  webhookSucceeded(): void;
  webhookFailed(statusClass: StatusClass): void;
  backofficeSucceeded(): void;
  backofficeFailed(): void;
  /** Whether this process holds the lock; shown in the details. */
  leader(isLeader: boolean): void;
  readonly checks: readonly ReadinessCheck[];
}

/** Health over `unhealthyAfterMs`, read against `now`. */
export function createExportHealth(unhealthyAfterMs: number, now: () => number = Date.now): ExportHealth {
  const webhook: Run = { failingSince: undefined, failures: 0, lastStatusClass: "none" };
  const backoffice: Run = { failingSince: undefined, failures: 0, lastStatusClass: "none" };
  let isLeader = false;

  const reset = (run: Run) => {
    run.failingSince = undefined;
    run.failures = 0;
  };
  const succeeded = (run: Run) => {
    reset(run);
    run.lastStatusClass = "2xx";
  };
  const failed = (run: Run, statusClass: StatusClass) => {
    run.failingSince ??= now();
    run.failures++;
    run.lastStatusClass = statusClass;
  };
  const failingForMs = (run: Run) => (run.failingSince === undefined ? 0 : now() - run.failingSince);
  const detail = (run: Run): ReadinessDetail => {
    const failingMs = failingForMs(run);
    const state = !isLeader ? "standby" : run.failingSince === undefined ? "ok" : failingMs > unhealthyAfterMs ? "failing too long" : "failing";
    return { state, leader: isLeader, failingForMs: failingMs, unhealthyAfterMs, failedAttempts: run.failures, lastAnswer: run.lastStatusClass };
  };
  const check = (name: string, run: Run, what: string): ReadinessCheck => ({
    name,
    async check() {
      if (failingForMs(run) > unhealthyAfterMs) throw new Error(`${what} has been failing for ${Math.round(failingForMs(run) / 1000)} s`);
    },
    detail: () => detail(run),
  });

  return {
    webhookSucceeded: () => succeeded(webhook),
    webhookFailed: (statusClass) => failed(webhook, statusClass),
    backofficeSucceeded: () => succeeded(backoffice),
    backofficeFailed: () => failed(backoffice, "error"),
    leader(value) {
      isLeader = value;
      if (!value) {
        // A standby sends nothing: its view of the dependencies starts afresh when it leads.
        reset(webhook);
        reset(backoffice);
      }
    },
    checks: [check("webhook", webhook, "the SIEM webhook"), check("backoffice", backoffice, "reading the audit log from the backoffice")],
  };
}
