/** The backoffice's own refusals: ConnectErrors with a google.rpc.ErrorInfo in the "backoffice.wallet" domain. */
import { Code, ConnectError } from "@connectrpc/connect";
import { errorInfoDetail } from "#platform/errors/index.js";

/** google.rpc.ErrorInfo domain of the backoffice's refusals. */
export const BACKOFFICE_ERROR_DOMAIN = "backoffice.wallet";

/** A refusal with one of the contract's BackofficeErrorReason names (without the prefix). */
export function backofficeRefusal(reason: string, message: string, code: Code, metadata: Record<string, string> = {}): ConnectError {
  return new ConnectError(message, code, undefined, [errorInfoDetail(reason, BACKOFFICE_ERROR_DOMAIN, metadata)]);
}

/** InvalidArgument naming the field. */
export function invalidField(field: string, problem: string): ConnectError {
  return backofficeRefusal(field === "reason" ? "REASON_REQUIRED" : "INVALID_FIELD", `${field}: ${problem}`, Code.InvalidArgument, { field });
}

/** The text of a required free-text field, trimmed; InvalidArgument naming it when empty. */
export function requiredText(value: string, field: string, max = 2_000): string {
  const text = value.trim();
  if (text === "") throw invalidField(field, "is required");
  if (text.length > max) throw invalidField(field, `is longer than ${max} characters`);
  return text;
}

/** A UUID field; InvalidArgument naming it otherwise. */
export function requiredId(value: string, field: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw invalidField(field, "must be a UUID");
  return value.toLowerCase();
}

/** The audit log could not be written, so the call was not made (or is undone). */
export function auditUnavailable(cause?: unknown): ConnectError {
  const error = backofficeRefusal("AUDIT_UNAVAILABLE", "the audit log cannot be written right now; nothing was changed, retry shortly", Code.Unavailable);
  if (cause !== undefined) (error as { cause?: unknown }).cause = cause;
  return error;
}
