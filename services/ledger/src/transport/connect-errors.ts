import { Code, ConnectError } from "@connectrpc/connect";
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError } from "#platform/idempotency/index.js";
import { errorInfoDetail } from "#platform/errors/index.js";
import { LedgerError, type LedgerErrorReasonName } from "../domain/ledger-error.js";

/** google.rpc.ErrorInfo domain of every ledger refusal. */
export const LEDGER_ERROR_DOMAIN = "wallet.ledger.v1";

/** The gRPC code of each reason, as error_reason.proto specifies. */
const codeOf: Record<LedgerErrorReasonName, Code> = {
  INVALID_FIELD: Code.InvalidArgument,
  NON_POSITIVE_AMOUNT: Code.InvalidArgument,
  SELF_TRANSFER: Code.InvalidArgument,
  IDEMPOTENCY_KEY_MISSING: Code.InvalidArgument,
  ACCOUNT_NOT_FOUND: Code.NotFound,
  TRANSACTION_NOT_FOUND: Code.NotFound,
  HOLD_NOT_FOUND: Code.NotFound,
  ACCOUNT_ALREADY_EXISTS: Code.AlreadyExists,
  INSUFFICIENT_FUNDS: Code.FailedPrecondition,
  ACCOUNT_FROZEN: Code.FailedPrecondition,
  ACCOUNT_CLOSED: Code.FailedPrecondition,
  CURRENCY_MISMATCH: Code.FailedPrecondition,
  ACCOUNT_KIND_NOT_ALLOWED: Code.FailedPrecondition,
  ACCOUNT_NOT_EMPTY: Code.FailedPrecondition,
  ACCOUNT_STATUS_CONFLICT: Code.FailedPrecondition,
  REFUND_EXCEEDS_ORIGINAL: Code.FailedPrecondition,
  NOT_REFUNDABLE: Code.FailedPrecondition,
  HOLD_NOT_PENDING: Code.FailedPrecondition,
  CAPTURE_EXCEEDS_HOLD: Code.FailedPrecondition,
  IDEMPOTENCY_KEY_REUSED: Code.FailedPrecondition,
  IDEMPOTENCY_KEY_IN_PROGRESS: Code.Aborted,
  // Nothing was written and the same request may succeed a moment later: transient, not a conflict.
  CONCURRENT_MODIFICATION: Code.Unavailable,
  RISK_DENIED: Code.PermissionDenied,
  STEP_UP_REQUIRED: Code.PermissionDenied,
  RISK_UNAVAILABLE: Code.Unavailable,
};

/** A ConnectError with the reason's code and a google.rpc.ErrorInfo detail. */
export function ledgerConnectError(error: LedgerError): ConnectError {
  return new ConnectError(error.message, codeOf[error.reason], undefined, [errorInfoDetail(error.reason, LEDGER_ERROR_DOMAIN, error.metadata)]);
}

/**
 * THE place where the ledger's refusals become gRPC errors: domain and
 * idempotency errors get their code and ErrorInfo; ConnectErrors pass; anything
 * else (a driver error) is rethrown for the platform's sanitizer, which
 * answers a bare `Internal` and logs the cause: SQL never reaches a client.
 */
export function toConnectError(error: unknown): unknown {
  if (error instanceof LedgerError) return ledgerConnectError(error);
  if (error instanceof IdempotencyKeyReusedError) {
    return ledgerConnectError(new LedgerError("IDEMPOTENCY_KEY_REUSED", error.message, { idempotency_key: error.key }));
  }
  if (error instanceof IdempotencyKeyInProgressError) {
    return ledgerConnectError(new LedgerError("IDEMPOTENCY_KEY_IN_PROGRESS", error.message, { idempotency_key: error.key }));
  }
  return error;
}
