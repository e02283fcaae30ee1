import type { Kysely, Selectable } from "kysely";
import type { BlocklistEntry, BlocklistKind } from "../domain/blocklist.js";
import { RiskError } from "../domain/risk-error.js";
import type { BlocklistEntriesTable, RiskDatabase } from "./risk.table.js";

/** A row as a domain entry. */
function toEntry(row: Selectable<BlocklistEntriesTable>): BlocklistEntry {
  return {
    id: row.id,
    kind: row.kind as BlocklistKind,
    value: row.value,
    reason: row.reason,
    expiresAt: row.expires_at ?? undefined,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

/** Entries still in force at `now` (the scoring cache's source). */
export async function listActiveBlocklistEntries(db: Kysely<RiskDatabase>, now: Date): Promise<BlocklistEntry[]> {
  const rows = await db
    .selectFrom("blocklist_entries")
    .selectAll()
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
    .execute();
  return rows.map(toEntry);
}

/**
 * Adds an entry; when the same kind and value is already blocked, returns the
 * existing entry unchanged.
 */
export async function addBlocklistEntry(
  db: Kysely<RiskDatabase>,
  entry: { kind: BlocklistKind; value: string; reason: string; expiresAt?: Date; createdBy: string; now: Date },
): Promise<BlocklistEntry> {
  const inserted = await db
    .insertInto("blocklist_entries")
    .values({
      kind: entry.kind,
      value: entry.value,
      reason: entry.reason,
      expires_at: entry.expiresAt ?? null,
      created_by: entry.createdBy,
      created_at: entry.now,
    })
    .onConflict((oc) => oc.constraint("blocklist_entries_kind_value_key").doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return toEntry(inserted);
  const existing = await db
    .selectFrom("blocklist_entries")
    .selectAll()
    .where("kind", "=", entry.kind)
    .where("value", "=", entry.value)
    .executeTakeFirstOrThrow();
  return toEntry(existing);
}

/** Removes an entry. Errors: BLOCKLIST_ENTRY_NOT_FOUND. */
export async function removeBlocklistEntry(db: Kysely<RiskDatabase>, id: string): Promise<void> {
  const result = await db.deleteFrom("blocklist_entries").where("id", "=", id).executeTakeFirst();
  if (result.numDeletedRows === 0n) throw new RiskError("BLOCKLIST_ENTRY_NOT_FOUND", `blocklist entry ${id} does not exist`, { entry_id: id });
}

/** A page of entries, newest first, after the (createdAt, id) cursor. */
export async function listBlocklistEntries(
  db: Kysely<RiskDatabase>,
  filter: { kind?: BlocklistKind; value?: string; includeExpired: boolean; now: Date; after?: { createdAt: Date; id: string }; limit: number },
): Promise<BlocklistEntry[]> {
  let query = db.selectFrom("blocklist_entries").selectAll().orderBy("created_at", "desc").orderBy("id", "desc").limit(filter.limit);
  if (filter.kind) query = query.where("kind", "=", filter.kind);
  if (filter.value !== undefined) query = query.where("value", "=", filter.value);
  if (!filter.includeExpired) query = query.where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", filter.now)]));
  const after = filter.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([eb("created_at", "<", after.createdAt), eb.and([eb("created_at", "=", after.createdAt), eb("id", "<", after.id)])]),
    );
  }
  return (await query.execute()).map(toEntry);
}
