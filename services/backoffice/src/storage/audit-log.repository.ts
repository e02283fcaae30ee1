/** Kysely queries of the audit log: appending to the chain, listing and reading it in order. */
import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import { entryHash, GENESIS_HASH, type AuditContent, type AuditEntry } from "../domain/audit-chain.js";
import type { AuditLogTable, BackofficeDatabase } from "./backoffice.table.js";

type Db = Kysely<BackofficeDatabase> | Transaction<BackofficeDatabase>;

/**
 * Key of the transaction-scoped advisory lock that serialises appends. Held
 * from reading the chain head until commit, so positions follow commit order
 * and no reader following positions ever skips a late commit.
 */
const CHAIN_LOCK_KEY = 7_304_201_001n;

function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: row.id,
    position: row.position,
    occurredAt: row.occurred_at,
    actorId: row.actor_id,
    actorRoles: row.actor_roles,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    reason: row.reason,
    requestId: row.request_id,
    clientIp: row.client_ip,
    outcome: row.outcome,
    errorCode: row.error_code,
    approvalId: row.approval_id,
    previousHash: row.previous_hash,
    entryHash: row.entry_hash,
  };
}

/**
 * Appends `content` at the chain head inside `trx` (which must commit soon:
 * the chain lock is held until it ends).
 */
export async function appendAuditEntry(trx: Transaction<BackofficeDatabase>, content: AuditContent): Promise<AuditEntry> {
  await sql`SELECT pg_advisory_xact_lock(${CHAIN_LOCK_KEY})`.execute(trx);
  const head = await trx.selectFrom("audit_log").select(["position", "entry_hash"]).orderBy("position", "desc").limit(1).executeTakeFirst();
  const position = (head?.position ?? 0n) + 1n;
  const previousHash = head?.entry_hash ?? GENESIS_HASH;
  // Milliseconds, as stored and as a protobuf Timestamp from a Date carries them: the hash covers what is read back.
  const occurredAt = new Date(Math.floor(content.occurredAt.getTime()));
  const entry: AuditEntry = { ...content, occurredAt, position, previousHash, entryHash: entryHash(previousHash, position, { ...content, occurredAt }) };
  await trx
    .insertInto("audit_log")
    .values({
      position: entry.position,
      id: entry.id,
      occurred_at: entry.occurredAt,
      actor_id: entry.actorId,
      actor_roles: [...entry.actorRoles],
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId,
      reason: entry.reason,
      request_id: entry.requestId,
      client_ip: entry.clientIp,
      outcome: entry.outcome,
      error_code: entry.errorCode,
      approval_id: entry.approvalId,
      previous_hash: entry.previousHash,
      entry_hash: entry.entryHash,
    } as never)
    .execute();
  return entry;
}

/** Filters of ListAuditLog; empty strings and undefined match everything. */
export interface AuditFilter {
  readonly actorId?: string;
  readonly action?: string;
  readonly targetType?: string;
  readonly targetId?: string;
  readonly outcome?: AuditContent["outcome"];
  readonly from?: Date;
  readonly to?: Date;
}

/**
 * A page of entries matching `filter`: newest first before `before`, or, with
 * `after`, oldest first after that position (for readers following the log).
 */
export async function listAuditEntries(
  db: Db,
  filter: AuditFilter,
  page: { limit: number; before?: bigint; after?: bigint },
): Promise<AuditEntry[]> {
  let query = db.selectFrom("audit_log").selectAll();
  if (filter.actorId) query = query.where("actor_id", "=", filter.actorId);
  if (filter.action) query = query.where("action", "=", filter.action);
  if (filter.targetType) query = query.where("target_type", "=", filter.targetType);
  if (filter.targetId) query = query.where("target_id", "=", filter.targetId);
  if (filter.outcome) query = query.where("outcome", "=", filter.outcome);
  if (filter.from) query = query.where("occurred_at", ">=", filter.from);
  if (filter.to) query = query.where("occurred_at", "<", filter.to);
  if (page.after !== undefined) {
    query = query.where("position", ">", page.after).orderBy("position", "asc");
  } else {
    if (page.before !== undefined) query = query.where("position", "<", page.before);
    query = query.orderBy("position", "desc");
  }
  const rows = await query.limit(page.limit).execute();
  return rows.map(toEntry);
}

/** Entries after `after` in position order, `limit` at a time: what the chain check walks. */
export async function readChain(db: Db, after: bigint, limit: number): Promise<AuditEntry[]> {
  const rows = await db.selectFrom("audit_log").selectAll().where("position", ">", after).orderBy("position", "asc").limit(limit).execute();
  return rows.map(toEntry);
}

/** The position of the newest entry; 0 for an empty log. */
export async function chainHead(db: Db): Promise<bigint> {
  const head = await db.selectFrom("audit_log").select("position").orderBy("position", "desc").limit(1).executeTakeFirst();
  return head?.position ?? 0n;
}
