/**
 * Why the consumer could not handle an event this time. Both are thrown
 * inside the consumer's transaction, so nothing of the event is kept; the
 * platform consumer retries it with backoff and, after its last attempt,
 * moves it to `dead_letter_events` (replayable).
 */

/** The event lacks what its notification needs (a user id, an amount, an address). */
export class UnprocessableEventError extends Error {
  override readonly name = "UnprocessableEventError";
}

/**
 * The user's UserRegistered has not been processed yet (events of different
 * aggregates are not ordered), so there is no address to send to: retried
 * until it has been. Names only the user id, never an address.
 */
export class UnknownRecipientError extends Error {
  override readonly name = "UnknownRecipientError";
  constructor(readonly userId: string) {
    super(`no recipient record for user ${userId} yet (UserRegistered not processed)`);
  }
}
