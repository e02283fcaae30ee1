/**
 * The audit log's hash chain, as pure functions: the writer and
 * `npm run backoffice:verify-audit` compute hashes with the same code.
 *
 * entry_hash = SHA-256( previous_hash + "\n" + canonical content ), hex, where
 * the canonical content is the JSON of the entry's fields in a fixed order
 * (positions and times in fixed formats), so any change to any field, the
 * order of rows or a removed row breaks the chain from that row on.
 */
import { createHash } from "node:crypto";

/** `previous_hash` of the first entry. */
export const GENESIS_HASH = "0".repeat(64);

/** How a call ended. */
export type AuditOutcome = "SUCCEEDED" | "DENIED" | "FAILED";

/** The content of one audit entry, without its chain fields. */
export interface AuditContent {
  readonly id: string;
  readonly occurredAt: Date;
  readonly actorId: string;
  readonly actorRoles: readonly string[];
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
  readonly reason: string;
  readonly requestId: string;
  readonly clientIp: string;
  readonly outcome: AuditOutcome;
  readonly errorCode: string;
  readonly approvalId: string;
}

/** An entry as stored: its content, place in the chain and hashes. */
export interface AuditEntry extends AuditContent {
  readonly position: bigint;
  readonly previousHash: string;
  readonly entryHash: string;
}

/** The canonical text of an entry at `position`: field order fixed here, never by an object's key order. */
export function canonicalContent(position: bigint, c: AuditContent): string {
  return JSON.stringify([
    position.toString(),
    c.id,
    c.occurredAt.toISOString(),
    c.actorId,
    [...c.actorRoles],
    c.action,
    c.targetType,
    c.targetId,
    c.reason,
    c.requestId,
    c.clientIp,
    c.outcome,
    c.errorCode,
    c.approvalId,
  ]);
}

/** The hash of the entry at `position` after `previousHash`. */
export function entryHash(previousHash: string, position: bigint, content: AuditContent): string {
  return createHash("sha256").update(`${previousHash}\n${canonicalContent(position, content)}`).digest("hex");
}

/** Where a chain breaks: the first position whose link or hash is wrong, and why. */
export interface ChainBreak {
  readonly position: bigint;
  readonly problem: "position gap" | "previous hash does not match" | "entry hash does not match its content";
}

/**
 * Checks entries in position order, continuing from `after` (the previous
 * page's last position and hash; the genesis for the first page). Answers the
 * first break, or undefined and the chain's new tail.
 */
export function checkChainSegment(
  entries: readonly AuditEntry[],
  after: { position: bigint; hash: string } = { position: 0n, hash: GENESIS_HASH },
): { broken?: ChainBreak; tail: { position: bigint; hash: string } } {
  let tail = after;
  for (const entry of entries) {
    if (entry.position !== tail.position + 1n) return { broken: { position: tail.position + 1n, problem: "position gap" }, tail };
    if (entry.previousHash !== tail.hash) return { broken: { position: entry.position, problem: "previous hash does not match" }, tail };
    if (entryHash(entry.previousHash, entry.position, entry) !== entry.entryHash) {
      return { broken: { position: entry.position, problem: "entry hash does not match its content" }, tail };
    }
    tail = { position: entry.position, hash: entry.entryHash };
  }
  return { tail };
}
