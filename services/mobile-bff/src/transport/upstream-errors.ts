/**
 * The BFF's refusals in its upstreams' terms, and how upstream errors pass
 * through (platform/clients/upstream-errors.ts: refusals pass on, server
 * faults and the BFF's own credential problems become a bare Internal).
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorInfoOf, fromUpstream as fromAnyUpstream, translateErrors as translateAnyErrors } from "#platform/clients/index.js";
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";

export { errorInfoOf };

/** google.rpc.ErrorInfo domain of the ledger's refusals. */
export const LEDGER_ERROR_DOMAIN = "wallet.ledger.v1";
/** google.rpc.ErrorInfo domain of identity's refusals. */
export const IDENTITY_ERROR_DOMAIN = "identity.wallet";

/** True when `err` is the ledger's refusal with `reason`. */
export function isLedgerReason(err: unknown, reason: string): boolean {
  const info = errorInfoOf(err);
  return info?.domain === LEDGER_ERROR_DOMAIN && info.reason === reason;
}

/** What an error from an upstream call becomes before it leaves the BFF. */
export function fromUpstream(err: unknown, upstream: string): ConnectError {
  return fromAnyUpstream(err, upstream, "the BFF");
}

/** Wraps every method of an upstream client so its errors go through {@link fromUpstream}. */
export function translateErrors<S extends DescService>(client: Client<S>, upstream: string): Client<S> {
  return translateAnyErrors(client, upstream, "the BFF");
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
