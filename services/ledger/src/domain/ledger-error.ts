/**
 * Refusals of the ledger's rules. `reason` is the LedgerErrorReason name
 * (error_reason.proto) without its prefix; the transport maps each reason to
 * its gRPC code and a google.rpc.ErrorInfo in one place (`connect-errors.ts`).
 */
export type LedgerErrorReasonName =
  | "INVALID_FIELD"
  | "NON_POSITIVE_AMOUNT"
  | "SELF_TRANSFER"
  | "IDEMPOTENCY_KEY_MISSING"
  | "ACCOUNT_NOT_FOUND"
  | "TRANSACTION_NOT_FOUND"
  | "HOLD_NOT_FOUND"
  | "ACCOUNT_ALREADY_EXISTS"
  | "INSUFFICIENT_FUNDS"
  | "ACCOUNT_FROZEN"
  | "ACCOUNT_CLOSED"
  | "CURRENCY_MISMATCH"
  | "ACCOUNT_KIND_NOT_ALLOWED"
  | "ACCOUNT_NOT_EMPTY"
  | "ACCOUNT_STATUS_CONFLICT"
  | "REFUND_EXCEEDS_ORIGINAL"
  | "NOT_REFUNDABLE"
  | "HOLD_NOT_PENDING"
  | "CAPTURE_EXCEEDS_HOLD"
  | "IDEMPOTENCY_KEY_REUSED"
  | "IDEMPOTENCY_KEY_IN_PROGRESS"
  | "CONCURRENT_MODIFICATION"
  | "RISK_DENIED"
  | "STEP_UP_REQUIRED"
  | "RISK_UNAVAILABLE";

/** A refusal: a reason, a message for humans, and the reason's metadata keys. */
export class LedgerError extends Error {
  override readonly name = "LedgerError";
  constructor(
    readonly reason: LedgerErrorReasonName,
    message: string,
    readonly metadata: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** INVALID_FIELD naming the field. */
export function invalidField(field: string, problem: string): LedgerError {
  return new LedgerError("INVALID_FIELD", `${field}: ${problem}`, { field });
}
