import type { Attempt } from "./careful-app.js";

/**
 * Refusals that are real conflicts with the state of the ledger or with the
 * same request still in progress: a 409/422 (or FAILED_PRECONDITION/ABORTED
 * from the ledger) must carry one of these. IDEMPOTENCY_KEY_REUSED is not
 * among them: the careful clients never change a request under its key. Nor
 * is CONCURRENT_MODIFICATION: the ledger gave up on a lock and wrote nothing,
 * which is transient (503 / UNAVAILABLE), not a conflict.
 */
const REAL_CONFLICTS = new Set([
  "INSUFFICIENT_FUNDS",
  "REFUND_EXCEEDS_ORIGINAL",
  "NOT_REFUNDABLE",
  "HOLD_NOT_PENDING",
  "CAPTURE_EXCEEDS_HOLD",
  "IDEMPOTENCY_KEY_IN_PROGRESS",
]);

const NEITHER = ", which is neither retryable nor a real conflict";

/** gRPC codes a client may see for a fault: anything else the ledger says is a refusal with a reason, or a bug. */
const TRANSPORT_CODES = new Set(["OK", "Unavailable", "DeadlineExceeded", "ResourceExhausted"]);

/**
 * The promises about answers: no 5xx other than 503/504 at the edge, no
 * 409/422 without a real conflict, every request answered by the edge (it is
 * never stopped, so a reset connection or a client timeout longer than its
 * upstream deadlines is a breach), and from the ledger no Internal, Unknown,
 * Canceled or Aborted without such a reason. One sentence per kind of breach,
 * with when it first happened (ms since `since`) to line it up with the faults.
 */
export function judgeAttempts(attempts: readonly Attempt[], since: number): string[] {
  const breaches = new Map<string, number[]>();
  for (const attempt of attempts) {
    const note = (what: string) => breaches.set(what, [...(breaches.get(what) ?? []), attempt.at - since]);
    const { status, reason } = attempt;
    if (status === "network") {
      note(`${attempt.operation} got no answer from the edge`);
    } else if (typeof status === "number") {
      if (status >= 500 && status !== 503 && status !== 504) note(`${attempt.operation} answered ${status}${NEITHER}`);
      if ((status === 409 || status === 422) && !REAL_CONFLICTS.has(reason ?? "")) note(`${attempt.operation} answered ${status} ${reason ?? "without a reason"}${NEITHER}`);
    } else if (!TRANSPORT_CODES.has(status) && !REAL_CONFLICTS.has(reason ?? "")) {
      note(`${attempt.operation} answered ${status} ${reason ?? "without a reason"}${NEITHER}`);
    }
  }
  const seconds = (ms: number) => `${(ms / 1_000).toFixed(1)} s`;
  return [...breaches].map(
    ([what, times]) => `${what} (${times.length} ${times.length === 1 ? "time" : "times"}, first at ${seconds(times[0]!)} into the drive)`,
  );
}
