/**
 * What an upstream's error becomes before a service that called it answers
 * its own caller (the BFF and the backoffice both pass refusals on).
 *
 * Refusals pass through with their code, message and details (each
 * service's `google.rpc.ErrorInfo` reasons, RetryInfo), so the edge answers
 * 422, 409, 401... exactly as for a direct call. Two kinds do not: an
 * upstream's `Internal`/`Unknown`/`DataLoss` becomes a bare `Internal` (the
 * cause is kept for the log, never sent), and an `Unauthenticated` without
 * ErrorInfo (the upstream refused this process's own mesh credentials: a
 * misconfiguration, not the user's fault) becomes `Internal` too, so users
 * are not sent back to log in. `Unavailable` and `DeadlineExceeded` pass
 * through: the platform client already reports an upstream that broke under
 * a call as `Unavailable`, so the edge answers a retryable 503 (or 504).
 */
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";

/** Codes that mean the upstream is at fault. */
const SERVER_FAULTS = new Set([Code.Internal, Code.Unknown, Code.DataLoss]);

/** The ErrorInfo of an error, when it has one. */
export function errorInfoOf(err: unknown): { reason: string; domain: string; metadata: Record<string, string> } | undefined {
  if (!(err instanceof ConnectError)) return undefined;
  const info = err.findDetails(ErrorInfoSchema)[0];
  return info ? { reason: info.reason, domain: info.domain, metadata: info.metadata } : undefined;
}

/** What an error from a call to `upstream` becomes before it leaves `self` (the calling process, for the log). */
export function fromUpstream(err: unknown, upstream: string, self = "this service"): ConnectError {
  const error = ConnectError.from(err);
  if (SERVER_FAULTS.has(error.code)) return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
  if (error.code === Code.Unauthenticated && !errorInfoOf(error)) {
    return new ConnectError("internal error", Code.Internal, undefined, undefined, new Error(`${upstream} refused ${self}'s internal credentials: ${error.rawMessage}`));
  }
  // A fresh error: the upstream's response metadata (trailers) stays behind.
  const passed = new ConnectError(error.rawMessage, error.code, undefined, undefined, error);
  passed.details.push(...error.details);
  return passed;
}

/**
 * Wraps every method of an upstream client so its errors go through
 * {@link fromUpstream}; use cases branch on the result's ErrorInfo.
 */
export function translateErrors<S extends DescService>(client: Client<S>, upstream: string, self?: string): Client<S> {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(client)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (err) {
        throw fromUpstream(err, upstream, self);
      }
    };
  }
  return wrapped as Client<S>;
}
