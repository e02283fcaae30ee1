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
  /** Class 22 (data exception) examples: a value the column's type refuses. */
  characterNotInRepertoire: "22021",
  invalidTextRepresentation: "22P02",
  stringDataRightTruncation: "22001",
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

/** SQLSTATE class 22, "data exception": five characters starting with 22. */
const DATA_EXCEPTION = /^22[0-9A-Z]{3}$/;

/**
 * True for a PostgreSQL data exception (SQLSTATE class 22): a value the
 * statement cannot store or convert, such as a NUL in text (22021), text that
 * is not a number or uuid (22P02), a string too long for its column (22001)
 * or a numeric overflow (22003). The request carried a bad value; retrying it
 * cannot succeed.
 */
export function isDataException(err: unknown): boolean {
  const code = pgError(err)?.code;
  return typeof code === "string" && DATA_EXCEPTION.test(code);
}
