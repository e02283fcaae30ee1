import { Code, ConnectError } from "@connectrpc/connect";
import { errorInfoDetail } from "#platform/errors/index.js";
import { RiskError, type RiskErrorReasonName } from "../domain/risk-error.js";

/** google.rpc.ErrorInfo domain of every risk refusal. */
export const RISK_ERROR_DOMAIN = "wallet.risk.v1";

/** The gRPC code of each reason. */
const codeOf: Record<RiskErrorReasonName, Code> = {
  INVALID_FIELD: Code.InvalidArgument,
  RULE_NOT_FOUND: Code.NotFound,
  BLOCKLIST_ENTRY_NOT_FOUND: Code.NotFound,
  VERSION_MISMATCH: Code.Aborted,
  ALERT_NOT_FOUND: Code.NotFound,
  ALERT_ALREADY_RESOLVED: Code.FailedPrecondition,
};

/** A ConnectError with the reason's code and a google.rpc.ErrorInfo detail. */
export function riskConnectError(error: RiskError): ConnectError {
  return new ConnectError(error.message, codeOf[error.reason], undefined, [errorInfoDetail(error.reason, RISK_ERROR_DOMAIN, error.metadata)]);
}

/**
 * THE place where risk's refusals become gRPC errors: domain errors get their
 * code and ErrorInfo; ConnectErrors pass; anything else (a driver error) is
 * rethrown for the platform's sanitizer, which answers a bare `Internal`.
 */
export function toConnectError(error: unknown): unknown {
  if (error instanceof RiskError) return riskConnectError(error);
  return error;
}
