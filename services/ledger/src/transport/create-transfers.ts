/**
 * CreateTransfers: up to 1,000 transfers in one call, each with its own
 * idempotency key and result, posted in one database call (all or nothing
 * with `atomic`). A transfer here is the same request as a Transfer call
 * with its key (same method and fingerprint), so either can replay the other.
 */
import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  CreateTransfersResponseSchema,
  TransferRequestSchema,
  TransferResponseSchema,
  TransferResultSchema,
  type CreateTransfersRequest,
  type CreateTransfersResponse,
  type TransferRequest,
  type TransferResponse,
  type TransferResult,
} from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import { invalidField, LedgerError } from "../domain/ledger-error.js";
import type { TransferMovement } from "../domain/movement.js";
import { assertMetadata, assertText, DESCRIPTION_MAX } from "../domain/text-fields.js";
import { BatchItemError } from "../group-commit.js";
import type { MovementPoster } from "../movements.service.js";
import type { MovementOutcome, MovementRequest, PostedMovement } from "../storage/movements.repository.js";
import { actorOf } from "./idempotent-write.js";
import { movementAnswer, movementCall, refusalStatus } from "./movement-write.js";
import { parseId, parseIdempotencyKey, parseMoney } from "./parse.js";
import { balancePb, transactionPb } from "./to-proto.js";

/** Most transfers in one CreateTransfers call. */
export const MAX_TRANSFERS_PER_CALL = 1_000;

/** The method a transfer's idempotency key is recorded under, whichever RPC carried it. */
const TRANSFER_METHOD = "wallet.ledger.v1.LedgerService/Transfer";

/** A TransferRequest's movement; `prefix` names the fields of a batch's transfer ("transfers[3]."). */
export function parseTransfer(req: TransferRequest, prefix: string): TransferMovement {
  return {
    kind: "TRANSFER",
    fromAccountId: parseId(req.fromAccountId, `${prefix}from_account_id`),
    toAccountId: parseId(req.toAccountId, `${prefix}to_account_id`),
    amount: parseMoney(req.amount, `${prefix}amount`),
    description: assertText(req.description, `${prefix}description`, DESCRIPTION_MAX),
    metadata: assertMetadata(req.metadata, `${prefix}metadata`),
  };
}

/** The TransferResponse of a posted transfer. */
export function transferResponse(movement: TransferMovement, posted: PostedMovement): TransferResponse {
  return create(TransferResponseSchema, {
    transaction: transactionPb(posted.transaction),
    fromBalance: balancePb(posted.balances.get(movement.fromAccountId)!),
    underReview: posted.underReview,
  });
}

/** The idempotency key of a batch's transfer, with the field named on a refusal. */
function keyOf(req: TransferRequest, prefix: string): string {
  try {
    return parseIdempotencyKey(req.idempotencyKey);
  } catch (err) {
    if (err instanceof LedgerError) throw new LedgerError(err.reason, `${prefix}${err.message}`, { field: `${prefix}idempotency_key` });
    throw err;
  }
}

/** Checks the whole call before anything is posted: INVALID_ARGUMENT naming the first bad field. */
function parseBatch(req: CreateTransfersRequest, actor: { scope: string; caller: string }): { movements: TransferMovement[]; requests: MovementRequest[] } {
  if (req.transfers.length === 0) throw invalidField("transfers", "must hold at least one transfer");
  if (req.transfers.length > MAX_TRANSFERS_PER_CALL) throw invalidField("transfers", `must hold at most ${MAX_TRANSFERS_PER_CALL} transfers`);
  const seen = new Set<string>();
  const movements: TransferMovement[] = [];
  const requests: MovementRequest[] = [];
  req.transfers.forEach((transfer, index) => {
    const prefix = `transfers[${index}].`;
    if (transfer.riskContext) throw invalidField(`${prefix}risk_context`, "must be unset: CreateTransfers is not risk-scored");
    const movement = parseTransfer(transfer, prefix);
    const key = keyOf(transfer, prefix);
    if (seen.has(key)) throw invalidField(`${prefix}idempotency_key`, "repeats the key of an earlier transfer of this call");
    seen.add(key);
    movements.push(movement);
    requests.push({
      call: movementCall(actor.scope, key, TRANSFER_METHOD, TransferRequestSchema, transfer),
      movement,
      metadata: movement.metadata,
      caller: actor.caller,
      event: {},
    });
  });
  return { movements, requests };
}

/** One transfer's result; an unexpected failure of its own is rethrown (the platform answers Internal). */
function resultOf(outcome: MovementOutcome | BatchItemError, movement: TransferMovement): TransferResult {
  if (outcome instanceof BatchItemError) {
    if (outcome.error instanceof LedgerError) return create(TransferResultSchema, { outcome: { case: "refused", value: refusalStatus(outcome.error) } });
    throw outcome.error;
  }
  if (outcome.status === "refused") return create(TransferResultSchema, { outcome: { case: "refused", value: refusalStatus(outcome.error) } });
  const { response, replayed } = movementAnswer(outcome, TransferResponseSchema, (posted) => transferResponse(movement, posted));
  return create(TransferResultSchema, { outcome: { case: "posted", value: response }, replayed });
}

export async function createTransfers(poster: MovementPoster, req: CreateTransfersRequest, ctx: HandlerContext): Promise<CreateTransfersResponse> {
  const { movements, requests } = parseBatch(req, actorOf(ctx));
  const outcomes = await poster.postAll(requests, { atomic: req.atomic });
  return create(CreateTransfersResponseSchema, { results: outcomes.map((outcome, i) => resultOf(outcome, movements[i]!)) });
}
