import { Code, ConnectError } from "@connectrpc/connect";
import { errorInfoDetail } from "#platform/errors/index.js";
import { NotificationError, type NotificationErrorReasonName } from "../errors.js";

/** google.rpc.ErrorInfo domain of every notification refusal (notification.proto). */
export const NOTIFICATION_ERROR_DOMAIN = "notification.wallet";

/** The gRPC code of each reason, as notification.proto specifies. */
const codeOf: Record<NotificationErrorReasonName, Code> = {
  INVALID_FIELD: Code.InvalidArgument,
  SECURITY_NOT_OPTIONAL: Code.InvalidArgument,
  CHANNEL_UNAVAILABLE: Code.FailedPrecondition,
};

/** A ConnectError with the reason's code and, for a contract reason, a google.rpc.ErrorInfo. */
export function notificationConnectError(error: NotificationError): ConnectError {
  // A malformed field has no NotificationErrorReason: it is a bare InvalidArgument naming the field.
  const details = error.reason === "INVALID_FIELD" ? [] : [errorInfoDetail(error.reason, NOTIFICATION_ERROR_DOMAIN, error.metadata)];
  return new ConnectError(error.message, codeOf[error.reason], undefined, details);
}

/**
 * THE place where the notification API's refusals become gRPC errors;
 * ConnectErrors pass; anything else is rethrown for the platform's
 * sanitizer (a bare `Internal`, cause logged, never sent).
 */
export function toConnectError(error: unknown): unknown {
  return error instanceof NotificationError ? notificationConnectError(error) : error;
}
