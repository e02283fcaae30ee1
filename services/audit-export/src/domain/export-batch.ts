/**
 * A batch of audit entries as the SIEM receives it: a JSON envelope holding
 * the range of chain positions it covers, the hashes at both ends (so the
 * receiver can check that each batch continues the one before), and the
 * entries as OCSF API Activity events. Pure: the same entries always give
 * the same id and the same body, so a resent batch is byte for byte the one
 * sent before.
 */
import type { AuditEntry } from "#gen/wallet/backoffice/v1/audit_pb.js";
import { toOcsfApiActivity } from "./ocsf-api-activity.js";

/** A batch ready to sign and send. */
export interface ExportBatch {
  /** Deterministic per range and content: `batch_<first>-<last>_<16 hex of the chain hash>`; the `webhook-id`. */
  readonly id: string;
  readonly firstPosition: bigint;
  readonly lastPosition: bigint;
  /** `previous_hash` of the first entry: the chain hash of the batch before. */
  readonly previousHash: string;
  /** `entry_hash` of the last entry. */
  readonly chainHash: string;
  readonly eventCount: number;
  /** The JSON envelope, exactly as signed and sent. */
  readonly body: string;
}

/** The webhook id of the batch covering `first`..`last` that ends in `chainHash`. */
export function batchIdOf(first: bigint, last: bigint, chainHash: string): string {
  return `batch_${first}-${last}_${chainHash.slice(0, 16)}`;
}

/**
 * Builds the batch of `entries` (in position order, at least one).
 * Envelope: `{ batch_id, first_position, last_position, previous_hash, chain_hash, events }`.
 */
export function buildExportBatch(entries: readonly AuditEntry[]): ExportBatch {
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (!first || !last) throw new Error("a batch needs at least one entry");
  const id = batchIdOf(first.position, last.position, last.entryHash);
  const body = JSON.stringify({
    batch_id: id,
    first_position: Number(first.position),
    last_position: Number(last.position),
    previous_hash: first.previousHash,
    chain_hash: last.entryHash,
    events: entries.map(toOcsfApiActivity),
  });
  return {
    id,
    firstPosition: first.position,
    lastPosition: last.position,
    previousHash: first.previousHash,
    chainHash: last.entryHash,
    eventCount: entries.length,
    body,
  };
}

/** Where a read page does not continue the exported chain. */
export interface ChainDiscontinuity {
  readonly position: bigint;
  readonly problem: "position gap" | "previous hash does not match";
}

/**
 * Checks that `entries` continue the chain after `after` (the cursor's
 * position and the hash of the entry there): positions one apart, each
 * `previous_hash` the `entry_hash` before it. The backoffice guarantees both;
 * a break means the log was tampered with, and the exporter says so in its
 * log while still exporting what it read (the SIEM sees the same hashes).
 */
export function findDiscontinuity(after: { position: bigint; hash: string }, entries: readonly AuditEntry[]): ChainDiscontinuity | undefined {
  let position = after.position;
  let hash = after.hash;
  for (const entry of entries) {
    if (entry.position !== position + 1n) return { position: entry.position, problem: "position gap" };
    if (entry.previousHash !== hash) return { position: entry.position, problem: "previous hash does not match" };
    position = entry.position;
    hash = entry.entryHash;
  }
  return undefined;
}
