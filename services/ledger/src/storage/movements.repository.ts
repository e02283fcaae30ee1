/**
 * The one call that posts movements: `ledger_post_movements` (migration
 * 0007) with a batch of items, answering one outcome per item. The rules and
 * the writes happen in the database; this module only builds its input and
 * reads its output.
 */
import { randomUUID } from "node:crypto";
import type { JsonValue } from "@bufbuild/protobuf";
import { sql, type Kysely } from "kysely";
import type { Balance } from "../domain/accounts.js";
import type { JournalTransaction, TransactionKind } from "../domain/journal.js";
import { LedgerError, type LedgerErrorReasonName } from "../domain/ledger-error.js";
import { movementShape, type Movement } from "../domain/movement.js";
import type { LedgerDatabase } from "./ledger.table.js";

/** SQLSTATE raised when a key of the batch belongs to a request still running (see the migration). */
export const KEY_IN_PROGRESS_SQLSTATE = "LG001";
/** SQLSTATE raised when an atomic batch has a refusal; DETAIL holds it. */
export const ATOMIC_REFUSAL_SQLSTATE = "LG002";

/** The idempotent call a movement belongs to. */
export interface MovementCall {
  readonly scope: string;
  readonly key: string;
  readonly method: string;
  readonly requestHash: Uint8Array;
}

/** What an outbox event needs that the request, not the database, knows (proto3 JSON names). */
export interface MovementEventExtras {
  readonly initiator?: unknown;
  readonly underReview?: boolean;
  readonly riskReference?: string;
  readonly direction?: JsonValue;
  readonly reasonCode?: JsonValue;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** One movement to post, with its idempotent call and audit caller. */
export interface MovementRequest {
  readonly call: MovementCall;
  readonly movement: Movement;
  /** The transaction's metadata (the movement's, plus anything the ledger adds). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly caller: string;
  readonly event: MovementEventExtras;
}

/** A posted movement: the transaction and its two parties' balances right after it. */
export interface PostedMovement {
  readonly transaction: JournalTransaction;
  /** Both parties' balances after the movement, by account id. */
  readonly balances: Map<string, Balance>;
  /** Refunds: what is left to refund of the original. */
  readonly remainingRefundable?: bigint;
  readonly underReview: boolean;
}

/** What became of one movement. */
export type MovementOutcome =
  | { readonly status: "posted"; readonly posted: PostedMovement; readonly replayed: boolean }
  /** A replay of a result stored, before migration 0007, as the encoded response. */
  | { readonly status: "replayed-response"; readonly response: Uint8Array }
  | { readonly status: "refused"; readonly error: LedgerError };

/** Options of one call. */
export interface PostOptions {
  readonly retentionMs: number;
  readonly waitMs: number;
  /** All or nothing: a refusal raises ATOMIC_REFUSAL_SQLSTATE. */
  readonly atomic?: boolean;
}

/** The function's input for one movement (see the migration for each field). */
function itemOf(request: MovementRequest): Record<string, unknown> {
  const { movement, call } = request;
  const shape = movementShape(movement);
  const base = {
    scope: call.scope,
    key: call.key,
    method: call.method,
    request_hash: Buffer.from(call.requestHash).toString("hex"),
    kind: movement.kind,
    transaction_id: randomUUID(),
    event_id: randomUUID(),
    parties: shape.parties.map((party) => ({
      account_id: party.accountId ?? null,
      default_kind: party.defaultKind ?? null,
      kinds: party.kinds ?? null,
      role: party.role,
    })),
    source: shape.source,
    distinct: shape.distinct,
    metadata: request.metadata,
    caller: request.caller,
    event: request.event,
  };
  switch (movement.kind) {
    case "REFUND":
      return {
        ...base,
        amount: movement.amount?.amountMinor.toString() ?? null,
        currency: movement.amount?.currency ?? null,
        original_transaction_id: movement.originalTransactionId,
        funding_account_id: movement.fundingAccountId ?? null,
        description: movement.reason,
      };
    case "ADJUSTMENT":
      return { ...base, amount: movement.amount.amountMinor.toString(), currency: movement.amount.currency, description: movement.reason };
    case "TRANSFER":
      return { ...base, amount: movement.amount.amountMinor.toString(), currency: movement.amount.currency, description: movement.description };
    case "TOP_UP":
    case "WITHDRAWAL":
      return {
        ...base,
        amount: movement.amount.amountMinor.toString(),
        currency: movement.amount.currency,
        description: movement.description,
        external_reference: movement.externalReference,
      };
  }
}

/** Posts a batch in one statement (its own transaction); one outcome per request, in order. */
export async function postMovements(
  db: Kysely<LedgerDatabase>,
  requests: readonly MovementRequest[],
  options: PostOptions,
): Promise<MovementOutcome[]> {
  const items = JSON.stringify(requests.map(itemOf));
  const { rows } = await sql<{ results: StoredOutcome[] }>`
    SELECT ledger_post_movements(${items}::jsonb, ${options.retentionMs}::bigint, ${Math.max(1, Math.round(options.waitMs))}::integer, ${options.atomic ?? false}) AS results
  `.execute(db);
  return rows[0]!.results.map(outcomeOf);
}

/** The refusal an atomic batch raised, with the index of the refused request. */
export function atomicRefusalOf(error: unknown): { index: number; error: LedgerError } | undefined {
  const e = error as { code?: unknown; detail?: unknown };
  if (e.code !== ATOMIC_REFUSAL_SQLSTATE || typeof e.detail !== "string") return undefined;
  const detail = JSON.parse(e.detail) as { index: number; refused: StoredRefusal };
  return { index: detail.index, error: refusalOf(detail.refused) };
}

// ---- The function's output ----

interface StoredRefusal {
  reason: LedgerErrorReasonName;
  message: string;
  metadata: Record<string, string>;
}

interface StoredBalance {
  account_id: string;
  currency: string;
  allow_negative: boolean;
  posted: string;
  held: string;
  version: string;
  last_entry_sequence: string;
  updated_at: string;
}

interface StoredResult {
  transaction: {
    id: string;
    kind: TransactionKind;
    description: string;
    metadata: Record<string, string>;
    external_reference: string;
    original_transaction_id: string | null;
    created_at: string;
    postings: { source: string; destination: string; amount: string; currency: string }[];
  };
  balances: StoredBalance[];
  remaining_refundable: string | null;
  under_review: boolean;
}

type StoredOutcome = { posted: StoredResult } | { replayed: StoredResult } | { replayed_response: string } | { refused: StoredRefusal };

function refusalOf(refused: StoredRefusal): LedgerError {
  return new LedgerError(refused.reason, refused.message, refused.metadata);
}

function outcomeOf(stored: StoredOutcome): MovementOutcome {
  if ("posted" in stored) return { status: "posted", posted: postedOf(stored.posted), replayed: false };
  if ("replayed" in stored) return { status: "posted", posted: postedOf(stored.replayed), replayed: true };
  if ("replayed_response" in stored) return { status: "replayed-response", response: new Uint8Array(Buffer.from(stored.replayed_response, "hex")) };
  return { status: "refused", error: refusalOf(stored.refused) };
}

function postedOf(result: StoredResult): PostedMovement {
  const tx = result.transaction;
  return {
    transaction: {
      id: tx.id,
      kind: tx.kind,
      postings: tx.postings.map((p) => ({
        sourceAccountId: p.source,
        destinationAccountId: p.destination,
        amount: BigInt(p.amount),
        currency: p.currency,
      })),
      originalTransactionId: tx.original_transaction_id,
      holdId: null,
      description: tx.description,
      metadata: tx.metadata,
      externalReference: tx.external_reference,
      createdAt: new Date(tx.created_at),
    },
    balances: new Map(result.balances.map((b) => [b.account_id, balanceOf(b)])),
    remainingRefundable: result.remaining_refundable === null ? undefined : BigInt(result.remaining_refundable),
    underReview: result.under_review,
  };
}

function balanceOf(b: StoredBalance): Balance {
  return {
    accountId: b.account_id,
    currency: b.currency,
    allowNegative: b.allow_negative,
    posted: BigInt(b.posted),
    held: BigInt(b.held),
    version: BigInt(b.version),
    lastEntrySequence: BigInt(b.last_entry_sequence),
    updatedAt: new Date(b.updated_at),
  };
}
