/** The two shapes a staff write takes: replayable by idempotency key, and waiting for approval. */
import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import type { Transaction } from "kysely";
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError, requestHash, runIdempotent } from "#platform/idempotency/index.js";
import type { ApprovalRequest } from "#gen/wallet/backoffice/v1/approval_pb.js";
import { openApproval, type ApprovalDraft } from "../approvals.service.js";
import { callAuditOf } from "../audit.service.js";
import type { BackofficeDeps } from "../context.js";
import type { BackofficeDatabase } from "../storage/backoffice.table.js";
import { approvalPb } from "./records-to-proto.js";
import { backofficeRefusal, invalidField } from "./refusals.js";
import { staffOf } from "./staff-gate.js";

/** An idempotency key as the ledger accepts them: 1 to 255 printable ASCII characters. */
export function requiredKey(key: string): string {
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw invalidField("idempotency_key", "1 to 255 printable ASCII characters are required");
  return key;
}

/**
 * Runs `work` at most once per staff member and idempotency key (the
 * platform's idempotency table in the backoffice's database): a retry with
 * the same request answers the first response (header `idempotent-replayed`),
 * the same key with another request is refused (IDEMPOTENCY_KEY_REUSED), and
 * one still running is Aborted (IDEMPOTENCY_KEY_IN_PROGRESS).
 */
export async function replayable<Req extends DescMessage, Res extends DescMessage>(
  deps: BackofficeDeps,
  ctx: HandlerContext,
  call: { readonly requestSchema: Req; readonly request: MessageShape<Req> & { idempotencyKey: string }; readonly responseSchema: Res },
  work: (trx: Transaction<BackofficeDatabase>) => Promise<MessageShape<Res>>,
): Promise<MessageShape<Res>> {
  const key = requiredKey(call.request.idempotencyKey);
  try {
    const outcome = await runIdempotent(
      deps.db,
      {
        scope: `staff:${staffOf(ctx).id}`,
        key,
        method: `${ctx.service.typeName}/${ctx.method.name}`,
        requestHash: requestHash(call.requestSchema, call.request, ["idempotency_key"]),
        retentionMs: deps.settings.idempotencyRetentionMs,
      },
      { encode: (r: MessageShape<Res>) => toBinary(call.responseSchema, r), decode: (b) => fromBinary(call.responseSchema, b) },
      work,
    );
    if (outcome.replayed) ctx.responseHeader.set("idempotent-replayed", "true");
    return outcome.result;
  } catch (err) {
    if (err instanceof IdempotencyKeyReusedError) {
      throw backofficeRefusal("IDEMPOTENCY_KEY_REUSED", "this idempotency key was used for a different request", Code.FailedPrecondition);
    }
    if (err instanceof IdempotencyKeyInProgressError) {
      throw backofficeRefusal("IDEMPOTENCY_KEY_IN_PROGRESS", "a request with this idempotency key is still running", Code.Aborted);
    }
    throw err;
  }
}

/**
 * Stores `draft` as a pending approval request by the caller, with the call's
 * audit entry, in `trx` or a transaction of its own; answers it as staff see it.
 */
export async function requestApproval(deps: BackofficeDeps, ctx: HandlerContext, draft: ApprovalDraft, trx?: Transaction<BackofficeDatabase>): Promise<ApprovalRequest> {
  const open = (t: Transaction<BackofficeDatabase>) => openApproval(deps, t, callAuditOf(ctx), staffOf(ctx).id, draft);
  const approval = trx ? await open(trx) : await deps.db.transaction().execute(open);
  return approvalPb(approval, deps.clock());
}
