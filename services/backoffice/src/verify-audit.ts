/** Recomputes the audit log's hash chain from the first entry, a page at a time. */
import type { Kysely } from "kysely";
import { checkChainSegment, GENESIS_HASH, type ChainBreak } from "./domain/audit-chain.js";
import { readChain } from "./storage/audit-log.repository.js";
import type { BackofficeDatabase } from "./storage/backoffice.table.js";

/** What the check found: how many entries verified, the chain's tail, and the first break if any. */
export interface AuditChainReport {
  readonly entriesChecked: bigint;
  readonly lastPosition: bigint;
  readonly lastHash: string;
  readonly broken?: ChainBreak;
}

/** Walks every entry in position order and stops at the first break. */
export async function verifyAuditChain(db: Kysely<BackofficeDatabase>, pageSize = 1_000): Promise<AuditChainReport> {
  let tail = { position: 0n, hash: GENESIS_HASH };
  for (;;) {
    const page = await readChain(db, tail.position, pageSize);
    const checked = checkChainSegment(page, tail);
    if (checked.broken) return { entriesChecked: checked.tail.position, lastPosition: checked.tail.position, lastHash: checked.tail.hash, broken: checked.broken };
    tail = checked.tail;
    if (page.length < pageSize) return { entriesChecked: tail.position, lastPosition: tail.position, lastHash: tail.hash };
  }
}
