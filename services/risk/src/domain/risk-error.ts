/**
 * Refusals of risk's rules. `reason` names what went wrong; the transport maps
 * each reason to its gRPC code and a google.rpc.ErrorInfo in one place
 * (`transport/connect-errors.ts`).
 */
export type RiskErrorReasonName =
  | "INVALID_FIELD"
  | "RULE_NOT_FOUND"
  | "BLOCKLIST_ENTRY_NOT_FOUND"
  | "VERSION_MISMATCH"
  | "ALERT_NOT_FOUND"
  | "ALERT_ALREADY_RESOLVED";

/** A refusal: a reason, a message for humans, and metadata naming the field or id. */
export class RiskError extends Error {
  override readonly name = "RiskError";
  constructor(
    readonly reason: RiskErrorReasonName,
    message: string,
    readonly metadata: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** INVALID_FIELD naming the field. */
export function invalidField(field: string, problem: string): RiskError {
  return new RiskError("INVALID_FIELD", `${field}: ${problem}`, { field });
}
