import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError } from "#platform/idempotency/index.js";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
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
  CONCURRENT_MODIFICATION: Code.Aborted,
};

/** A ConnectError with the reason's code and a google.rpc.ErrorInfo detail. */
export function ledgerConnectError(error: LedgerError): ConnectError {
  return new ConnectError(error.message, codeOf[error.reason], undefined, [
    {
      desc: ErrorInfoSchema,
      value: create(ErrorInfoSchema, { reason: error.reason, domain: LEDGER_ERROR_DOMAIN, metadata: { ...error.metadata } }),
    },
  ]);
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

/** Wraps every method of a service implementation so its errors go through {@link toConnectError}. */
export function mapErrors<T extends object>(impl: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(impl)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (error) {
        throw toConnectError(error);
      }
    };
  }
  return wrapped as T;
}
