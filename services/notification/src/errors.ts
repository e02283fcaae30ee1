/**
 * Refusals of the notification API. `reason` names what went wrong; the
 * transport maps each reason to its gRPC code and google.rpc.ErrorInfo in one
 * place (`transport/connect-errors.ts`).
 */

/**
 * The reasons: SECURITY_NOT_OPTIONAL and CHANNEL_UNAVAILABLE are
 * NotificationErrorReason values (notification.proto); INVALID_FIELD is a
 * malformed field, which has no reason in the contract.
 */
export type NotificationErrorReasonName = "INVALID_FIELD" | "SECURITY_NOT_OPTIONAL" | "CHANNEL_UNAVAILABLE";

/** A refusal: a reason, a message for humans, and metadata naming the field or entry. */
export class NotificationError extends Error {
  override readonly name = "NotificationError";
  constructor(
    readonly reason: NotificationErrorReasonName,
    message: string,
    readonly metadata: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** INVALID_FIELD naming the field, e.g. `entries[2].channel`. */
export function invalidField(field: string, problem: string): NotificationError {
  return new NotificationError("INVALID_FIELD", `${field}: ${problem}`, { field });
}
