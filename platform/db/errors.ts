/**
 * Recognisers for the PostgreSQL errors storage code translates into domain
 * errors (a unique violation on an idempotency key becomes a conflict) or
 * retries (serialization failures and deadlocks mean "run the whole
 * transaction again", `Code.Aborted` at the edge).
 */

/** SQLSTATE codes, see https://www.postgresql.org/docs/current/errcodes-appendix.html */
export const PgErrorCode = {
  uniqueViolation: "23505",
  foreignKeyViolation: "23503",
  checkViolation: "23514",
  serializationFailure: "40001",
  deadlockDetected: "40P01",
} as const;

interface PgErrorLike {
  readonly code?: unknown;
  readonly constraint?: unknown;
}

function pgError(err: unknown): PgErrorLike | undefined {
  return typeof err === "object" && err !== null ? (err as PgErrorLike) : undefined;
}

/** True when `err` is a unique violation, optionally on the named constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = pgError(err);
  if (e?.code !== PgErrorCode.uniqueViolation) return false;
  return constraint === undefined || e.constraint === constraint;
}

/** True for `40001 serialization_failure` (SERIALIZABLE / REPEATABLE READ conflicts). */
export function isSerializationFailure(err: unknown): boolean {
  return pgError(err)?.code === PgErrorCode.serializationFailure;
}

/** True for `40P01 deadlock_detected`. */
export function isDeadlock(err: unknown): boolean {
  return pgError(err)?.code === PgErrorCode.deadlockDetected;
}

/** True when retrying the whole transaction may succeed. */
export function isRetryableTransactionError(err: unknown): boolean {
  return isSerializationFailure(err) || isDeadlock(err);
}
