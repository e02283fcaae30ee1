import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { Transaction } from "kysely";
import { isRetryableTransactionError } from "#platform/db/index.js";
import { requestHash, runIdempotent } from "#platform/idempotency/index.js";
import { internalCallerKey } from "#platform/internal-auth/index.js";
import type { RiskContext } from "#gen/wallet/ledger/v1/risk_context_pb.js";
import type { Actor, LedgerDeps } from "../context.js";
import { LedgerError } from "../domain/ledger-error.js";
import type { InitiatorInfo } from "../events.js";
import type { LedgerDatabase } from "../storage/ledger.table.js";
import { parseIdempotencyKey } from "./parse.js";

/** SQLSTATE `lock_not_available`: a lock wait passed lock_timeout. */
const LOCK_NOT_AVAILABLE = "55P03";
/** How many times a transaction failing with a deadlock or serialization error is run again. */
const MAX_ATTEMPTS = 3;

/** Fields never part of a request's idempotency fingerprint. */
export const UNHASHED_FIELDS = ["idempotency_key", "risk_context"] as const;

/** A write request: every one carries an idempotency key, some a risk context. */
type WriteRequest = { idempotencyKey: string; riskContext?: RiskContext };

/** Who is calling, from the verified internal caller (and the user they act for). */
export function actorOf(ctx: HandlerContext, riskContext?: RiskContext): Actor & { scope: string } {
  const caller = ctx.values.get(internalCallerKey);
  const callerId = caller?.callerId ?? "anonymous";
  const user = caller?.subject || riskContext?.userId || "";
  const initiator: InitiatorInfo | undefined = riskContext
    ? {
        userId: riskContext.userId,
        deviceId: riskContext.deviceId,
        ipAddress: riskContext.ipAddress,
        channel: riskContext.channel,
        sessionId: riskContext.sessionId,
      }
    : undefined;
  return { caller: callerId, initiator, scope: user ? `${callerId}|user:${user}` : callerId };
}

/**
 * Runs a deadlock- or serialization-failure-prone transaction again (up to
 * 3 times); gives up with UNAVAILABLE, CONCURRENT_MODIFICATION. A lock wait
 * beyond lock_timeout is reported the same way at once. READ COMMITTED with
 * sorted row locks should never deadlock: this is a safety net.
 */
export async function withRetry<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const lockTimeout = (err as { code?: unknown }).code === LOCK_NOT_AVAILABLE;
      if (!lockTimeout && isRetryableTransactionError(err) && attempt < MAX_ATTEMPTS) continue;
      if (lockTimeout || isRetryableTransactionError(err)) {
        throw new LedgerError("CONCURRENT_MODIFICATION", "a concurrent change made the ledger give up; retry with the same idempotency key");
      }
      throw err;
    }
  }
}

/**
 * Executes a write at most once per (caller scope, idempotency key): the
 * work, its outbox events and the stored response commit in one database
 * transaction; a retry replays the stored response (see runIdempotent).
 * For the writes that run in TypeScript (accounts, holds); money movements
 * go through movement-write.ts.
 */
export function createIdempotentWriter(deps: LedgerDeps) {
  return async function write<Req extends DescMessage, Res extends DescMessage>(
    ctx: HandlerContext,
    requestSchema: Req,
    request: MessageShape<Req> & WriteRequest,
    responseSchema: Res,
    work: (trx: Transaction<LedgerDatabase>, actor: Actor) => Promise<MessageShape<Res>>,
  ): Promise<MessageShape<Res>> {
    const key = parseIdempotencyKey(request.idempotencyKey);
    const actor = actorOf(ctx, request.riskContext);
    const call = {
      scope: actor.scope,
      key,
      method: `${ctx.service.typeName}/${ctx.method.name}`,
      requestHash: requestHash(requestSchema, request, UNHASHED_FIELDS),
      retentionMs: deps.config.idempotencyRetentionMs,
      waitMs: deps.config.idempotencyWaitMs,
    };
    const codec = {
      encode: (response: MessageShape<Res>) => toBinary(responseSchema, response),
      decode: (bytes: Uint8Array) => fromBinary(responseSchema, bytes),
    };
    const outcome = await withRetry(() =>
      runIdempotent(deps.db, call, codec, (trx) => work(trx as Transaction<LedgerDatabase>, actor)),
    );
    if (outcome.replayed) ctx.responseHeader.set("idempotent-replayed", "true");
    return outcome.result;
  };
}
