/**
 * Test support: audit entries as ReadAuditLog answers them, chained like the
 * backoffice's (positions from 1, each previous hash the hash before), for
 * the pure tests.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createHash } from "node:crypto";
import { AuditEntrySchema, AuditOutcome, type AuditEntry } from "#gen/wallet/backoffice/v1/audit_pb.js";
import { Role } from "#gen/wallet/identity/v1/user_pb.js";

const GENESIS = "0".repeat(64);

/** `count` chained entries starting at `from` (1 by default), after `previousHash`. */
export function chainedEntries(count: number, from = 1n, previousHash = GENESIS): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let previous = previousHash;
  for (let i = 0; i < count; i++) {
    const position = from + BigInt(i);
    const entryHash = createHash("sha256").update(`${previous}\n${position}`).digest("hex");
    entries.push(
      create(AuditEntrySchema, {
        id: `00000000-0000-4000-8000-${position.toString().padStart(12, "0")}`,
        actorId: "staff-1",
        actorRoles: [Role.SUPPORT, Role.ADMIN],
        action: "FreezeAccount",
        targetType: "account",
        targetId: "acct-1",
        reason: "chargeback pattern",
        requestId: `req-${position}`,
        outcome: AuditOutcome.SUCCEEDED,
        occurredAt: timestampFromDate(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678))),
        clientIp: "203.0.113.7",
        position,
        previousHash: previous,
        entryHash,
      }),
    );
    previous = entryHash;
  }
  return entries;
}
