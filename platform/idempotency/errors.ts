/**
 * Refusals of an idempotent call. Services translate them into their own
 * error reasons (the ledger: IDEMPOTENCY_KEY_REUSED, IDEMPOTENCY_KEY_IN_PROGRESS).
 */

/** The key was already used by this scope for a different request (another method or other fields). */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = "IdempotencyKeyReusedError";
  constructor(readonly key: string) {
    super(`idempotency key "${key}" was already used for a different request`);
  }
}

/** A request with this key is still running and did not finish within the wait. */
export class IdempotencyKeyInProgressError extends Error {
  override readonly name = "IdempotencyKeyInProgressError";
  constructor(readonly key: string) {
    super(`a request with idempotency key "${key}" is still in progress; retry shortly`);
  }
}
