/**
 * Writing the audit log: one entry per backoffice call, whatever its
 * outcome, written before the call answers. Use cases that change the
 * backoffice's own tables write their entry in the same transaction
 * ({@link recordInTransaction}), so the change and its entry commit together
 * or not at all; every other call's entry is written by the staff gate.
 */
import { randomUUID } from "node:crypto";
import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { Transaction } from "kysely";
import type { BackofficeDeps } from "./context.js";
import type { AuditContent, AuditOutcome } from "./domain/audit-chain.js";
import { appendAuditEntry } from "./storage/audit-log.repository.js";
import type { BackofficeDatabase } from "./storage/backoffice.table.js";

/** The audit facts of one call, filled in as it goes (the gate creates it, use cases add to it). */
export interface CallAudit {
  readonly action: string;
  actorId: string;
  actorRoles: readonly string[];
  targetType: string;
  targetId: string;
  reason: string;
  readonly requestId: string;
  readonly clientIp: string;
  approvalId: string;
  /** Set once the entry is written; the gate then writes none. */
  recorded: boolean;
}

/** Context key of the call's audit facts (set by the staff gate). */
export const callAuditKey = createContextKey<CallAudit | undefined>(undefined, { description: "backoffice call audit" });

/** The call's audit facts; the gate always sets them before a handler runs. */
export function callAuditOf(ctx: HandlerContext): CallAudit {
  const audit = ctx.values.get(callAuditKey);
  if (!audit) throw new Error("no audit facts on this call: is the handler behind the staff gate?");
  return audit;
}

function contentOf(audit: CallAudit, outcome: AuditOutcome, errorCode: string, at: Date): AuditContent {
  return {
    id: randomUUID(),
    occurredAt: at,
    actorId: audit.actorId,
    actorRoles: audit.actorRoles,
    action: audit.action,
    targetType: audit.targetType,
    targetId: audit.targetId,
    reason: audit.reason,
    requestId: audit.requestId,
    clientIp: audit.clientIp,
    outcome,
    errorCode,
    approvalId: audit.approvalId,
  };
}

/** Writes the call's entry inside `trx` (a use case's own transaction). */
export async function recordInTransaction(
  deps: Pick<BackofficeDeps, "clock">,
  trx: Transaction<BackofficeDatabase>,
  audit: CallAudit,
  outcome: AuditOutcome,
  errorCode = "",
): Promise<void> {
  await appendAuditEntry(trx, contentOf(audit, outcome, errorCode, deps.clock()));
  audit.recorded = true;
}

/** Writes the call's entry in a transaction of its own. */
export async function record(deps: Pick<BackofficeDeps, "db" | "clock">, audit: CallAudit, outcome: AuditOutcome, errorCode = ""): Promise<void> {
  await deps.db.transaction().execute((trx) => appendAuditEntry(trx, contentOf(audit, outcome, errorCode, deps.clock())));
  audit.recorded = true;
}
