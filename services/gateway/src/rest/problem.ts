import { STATUS_CODES } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, RetryInfoSchema, type ErrorInfo, type RetryInfo } from "#gen/google/rpc/error_details_pb.js";
import { RequestFieldError } from "./request-errors.js";

/** The media type of every error the edge sends (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** An RFC 9457 problem body, with the wallet's extension members. */
export interface Problem {
  /** A URN per reason (`urn:wallet:problem:insufficient-funds`), or `about:blank`. */
  type: string;
  title: string;
  status: number;
  /** What went wrong, for 4xx; a generic sentence for 5xx (never upstream internals). */
  detail: string;
  /** The `google.rpc.ErrorInfo` reason (`INSUFFICIENT_FUNDS`), when the upstream gave one. */
  reason?: string;
  /** The ErrorInfo metadata (4xx only): e.g. `{ "field": "amount.units" }`. */
  metadata?: Record<string, string>;
  /** The request id, also in the `x-request-id` response header. */
  requestId?: string;
}

/** THE mapping of Connect codes to HTTP statuses at the edge. */
const statusOfCode: Readonly<Partial<Record<Code, number>>> = {
  [Code.InvalidArgument]: 400,
  [Code.OutOfRange]: 400,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.Aborted]: 409,
  [Code.FailedPrecondition]: 422,
  [Code.ResourceExhausted]: 429,
  [Code.Unimplemented]: 501,
  [Code.Unavailable]: 503,
  [Code.DeadlineExceeded]: 504,
};

/**
 * Reasons whose status is fixed whatever the code says: the IETF
 * Idempotency-Key draft's answers, and a ledger that gave up on a lock or a
 * serialization failure, which wrote nothing and is worth retrying with the
 * same key (503, never a 409 that reads as final). Any other reason ending in
 * `_CONFLICT` is a conflict with another request (409 instead of 422).
 */
const statusOfReason: Readonly<Record<string, number>> = {
  IDEMPOTENCY_KEY_IN_PROGRESS: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_KEY_MISSING: 400,
  CONCURRENT_MODIFICATION: 503,
};

/** What a 5xx says instead of the upstream's message. */
const genericDetail: Readonly<Record<number, string>> = {
  501: "This operation is not available yet.",
  503: "The service is temporarily unavailable; retry later.",
  504: "The service did not answer in time; retry later.",
};

/** The HTTP status of an error, by its reason first, then its code. */
export function statusOf(code: Code, reason?: string): number {
  if (reason !== undefined) {
    const byReason = statusOfReason[reason];
    if (byReason !== undefined) return byReason;
    if (code === Code.FailedPrecondition && reason.endsWith("_CONFLICT")) return 409;
  }
  return statusOfCode[code] ?? 500;
}

/**
 * Turns any error into the problem the edge sends: a ConnectError by its
 * code and `google.rpc.ErrorInfo` detail, a refused request field as 400,
 * anything else as a bare 500. For 5xx the detail is generic and metadata is
 * dropped: no stack, SQL or upstream address ever reaches a client.
 */
export function toProblem(err: unknown, requestId?: string): Problem {
  if (err instanceof RequestFieldError) {
    return withRequestId(
      {
        type: problemType(err.reason),
        title: titleOf(err.reason),
        status: 400,
        detail: err.message,
        reason: err.reason,
        ...(err.field !== "" ? { metadata: { field: err.field } } : {}),
      },
      requestId,
    );
  }
  const connectError = err instanceof ConnectError ? err : undefined;
  if (!connectError) return withRequestId(serverProblem(500), requestId);
  const info = errorInfoOf(connectError);
  const reason = info?.reason || undefined;
  const status = statusOf(connectError.code, reason);
  if (status >= 500) {
    return withRequestId({ ...serverProblem(status), ...(reason ? { reason, type: problemType(reason), title: titleOf(reason) } : {}) }, requestId);
  }
  const metadata = info && Object.keys(info.metadata).length > 0 ? { ...info.metadata } : undefined;
  return withRequestId(
    {
      type: reason ? problemType(reason) : "about:blank",
      title: reason ? titleOf(reason) : STATUS_CODES[status] ?? "Error",
      status,
      detail: connectError.rawMessage || (STATUS_CODES[status] ?? "Error"),
      ...(reason ? { reason } : {}),
      ...(metadata ? { metadata } : {}),
    },
    requestId,
  );
}

/** `Retry-After` of a 503 whose upstream said nothing about when (a crash, a reset connection). */
export const DEFAULT_RETRY_AFTER_SEC = 1;

/**
 * Response headers that go with an error's problem: `Retry-After` (seconds)
 * when the upstream sent a `google.rpc.RetryInfo`, and on every 503 (by
 * default {@link DEFAULT_RETRY_AFTER_SEC}), so a client knows it may retry.
 */
export function problemHeaders(err: unknown): Record<string, string> {
  if (!(err instanceof ConnectError)) return {};
  const retry = retryInfoOf(err)?.retryDelay;
  if (retry) return { "retry-after": String(Math.max(1, Math.ceil(Number(retry.seconds) + retry.nanos / 1e9))) };
  const status = statusOf(err.code, errorInfoOf(err)?.reason || undefined);
  return status === 503 ? { "retry-after": String(DEFAULT_RETRY_AFTER_SEC) } : {};
}

/** A problem for a status without an upstream error (routing, parsing, the edge's own refusals). */
export function problemForStatus(status: number, detail: string | undefined, requestId?: string): Problem {
  if (status >= 500) return withRequestId(serverProblem(status), requestId);
  return withRequestId({ type: "about:blank", title: STATUS_CODES[status] ?? "Error", status, detail: detail ?? STATUS_CODES[status] ?? "Error" }, requestId);
}

/** The problem type URN of a reason: `INSUFFICIENT_FUNDS` → `urn:wallet:problem:insufficient-funds`. */
export function problemType(reason: string): string {
  return `urn:wallet:problem:${reason.toLowerCase().replace(/_/g, "-")}`;
}

/** A title per reason: `INSUFFICIENT_FUNDS` → "Insufficient funds". */
function titleOf(reason: string): string {
  const words = reason.toLowerCase().replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function serverProblem(status: number): Problem {
  return {
    type: "about:blank",
    title: STATUS_CODES[status] ?? "Internal Server Error",
    status,
    detail: genericDetail[status] ?? "The request could not be completed.",
  };
}

function withRequestId(problem: Problem, requestId: string | undefined): Problem {
  return requestId === undefined ? problem : { ...problem, requestId };
}

/** The error's ErrorInfo; a malformed detail from upstream is ignored rather than failing the error path. */
function errorInfoOf(err: ConnectError): ErrorInfo | undefined {
  try {
    return err.findDetails(ErrorInfoSchema)[0];
  } catch {
    return undefined;
  }
}

/** The error's RetryInfo, if well-formed. */
function retryInfoOf(err: ConnectError): RetryInfo | undefined {
  try {
    return err.findDetails(RetryInfoSchema)[0];
  } catch {
    return undefined;
  }
}
