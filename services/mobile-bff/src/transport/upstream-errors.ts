/**
 * THE place where errors become the BFF's gRPC answers.
 *
 * Upstream refusals pass through with their code, message and details
 * (identity's and the ledger's `google.rpc.ErrorInfo` reasons, RetryInfo),
 * so the edge answers 422, 409, 401... exactly as for a direct call. Two
 * kinds do not: an upstream's `Internal`/`Unknown`/`DataLoss` becomes a bare
 * `Internal` (the cause is kept for the log, never sent), and an
 * `Unauthenticated` without ErrorInfo (the upstream refused the BFF's own
 * mesh credentials: a misconfiguration, not the user's fault) becomes
 * `Internal` too, so apps are not sent back to log in. `Unavailable` and
 * `DeadlineExceeded` pass through: the platform client already reports an
 * upstream that broke under a call as `Unavailable`, so the edge answers a
 * retryable 503 (or 504), never a 409 or 500.
 */
import { create, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";

/** google.rpc.ErrorInfo domain of the ledger's refusals. */
export const LEDGER_ERROR_DOMAIN = "wallet.ledger.v1";
/** google.rpc.ErrorInfo domain of identity's refusals. */
export const IDENTITY_ERROR_DOMAIN = "identity.wallet";

/** Codes that mean the upstream is at fault. */
const SERVER_FAULTS = new Set([Code.Internal, Code.Unknown, Code.DataLoss]);

/** The ErrorInfo of an error, when it has one. */
export function errorInfoOf(err: unknown): { reason: string; domain: string; metadata: Record<string, string> } | undefined {
  if (!(err instanceof ConnectError)) return undefined;
  const info = err.findDetails(ErrorInfoSchema)[0];
  return info ? { reason: info.reason, domain: info.domain, metadata: info.metadata } : undefined;
}

/** True when `err` is the ledger's refusal with `reason`. */
export function isLedgerReason(err: unknown, reason: string): boolean {
  const info = errorInfoOf(err);
  return info?.domain === LEDGER_ERROR_DOMAIN && info.reason === reason;
}

/** What an error from an upstream call becomes before it leaves the BFF. */
export function fromUpstream(err: unknown, upstream: string): ConnectError {
  const error = ConnectError.from(err);
  if (SERVER_FAULTS.has(error.code)) return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
  if (error.code === Code.Unauthenticated && !errorInfoOf(error)) {
    return new ConnectError("internal error", Code.Internal, undefined, undefined, new Error(`${upstream} refused the BFF's internal credentials: ${error.rawMessage}`));
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
export function translateErrors<S extends DescService>(client: Client<S>, upstream: string): Client<S> {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(client)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (err) {
        throw fromUpstream(err, upstream);
      }
    };
  }
  return wrapped as Client<S>;
}

/** A refusal of the BFF in the ledger's terms (the rule is the ledger's: unknown accounts, currencies...). */
export function ledgerRefusal(reason: string, message: string, code: Code, metadata: Record<string, string> = {}): ConnectError {
  return new ConnectError(message, code, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: LEDGER_ERROR_DOMAIN, metadata }) },
  ]);
}

/** A refusal of the BFF in identity's terms (an access token that does not verify). */
export function identityRefusal(reason: string, message: string, code: Code, metadata: Record<string, string> = {}): ConnectError {
  return new ConnectError(message, code, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: IDENTITY_ERROR_DOMAIN, metadata }) },
  ]);
}

/** NotFound for an account that does not exist or is not the caller's: the two are indistinguishable. */
export function accountNotFound(accountId: string): ConnectError {
  return ledgerRefusal("ACCOUNT_NOT_FOUND", `no account ${accountId}`, Code.NotFound, { account_id: accountId });
}

/** NotFound for a transaction that does not exist or does not touch the caller's accounts. */
export function transactionNotFound(transactionId: string): ConnectError {
  return ledgerRefusal("TRANSACTION_NOT_FOUND", `no transaction ${transactionId}`, Code.NotFound, { transaction_id: transactionId });
}

/** InvalidArgument naming a field (the ledger's INVALID_FIELD). */
export function invalidField(field: string, problem: string): ConnectError {
  return ledgerRefusal("INVALID_FIELD", `${field}: ${problem}`, Code.InvalidArgument, { field });
}
