import { randomUUID } from "node:crypto";
import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import type { Hold, HoldStatus } from "../domain/holds.js";
import { LedgerError } from "../domain/ledger-error.js";
import type { HoldsTable, LedgerDatabase } from "./ledger.table.js";

type Db = Kysely<LedgerDatabase> | Transaction<LedgerDatabase>;

/** Turns a holds row into the domain's Hold. */
export function toHold(row: Selectable<HoldsTable>): Hold {
  return {
    id: row.id,
    accountId: row.account_id,
    destinationAccountId: row.destination_account_id,
    currency: row.currency,
    amount: row.amount,
    captured: row.captured,
    status: row.status as HoldStatus,
    description: row.description,
    metadata: row.metadata,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    closedAt: row.closed_at,
  };
}

/** What authorizing a hold stores. */
export interface NewHold {
  readonly accountId: string;
  readonly destinationAccountId: string;
  readonly currency: string;
  readonly amount: bigint;
  readonly description: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly expiresAt: Date;
  readonly caller: string;
}

/** Inserts a PENDING hold. */
export async function insertHold(trx: Transaction<LedgerDatabase>, hold: NewHold): Promise<Hold> {
  const row = await trx
    .insertInto("holds")
    .values({
      id: randomUUID(),
      account_id: hold.accountId,
      destination_account_id: hold.destinationAccountId,
      currency: hold.currency,
      amount: hold.amount,
      captured: 0n,
      status: "PENDING",
      description: hold.description,
      metadata: JSON.stringify(hold.metadata),
      expires_at: hold.expiresAt,
      closed_at: null,
      caller: hold.caller,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toHold(row);
}

/** HOLD_NOT_FOUND naming the id. */
export function holdNotFound(id: string): LedgerError {
  return new LedgerError("HOLD_NOT_FOUND", `no hold ${id}`, { hold_id: id });
}

/**
 * Locks a hold row (`FOR UPDATE`; before any balance row, see lockBalances)
 * and returns it; HOLD_NOT_FOUND when absent. With `skipLocked`, returns
 * undefined when another transaction holds it (the expiry sweep moves on).
 */
export async function lockHold(
  trx: Transaction<LedgerDatabase>,
  id: string,
  options: { skipLocked?: boolean } = {},
): Promise<Hold | undefined> {
  let query = trx.selectFrom("holds").selectAll().where("id", "=", id).forUpdate();
  if (options.skipLocked) query = query.skipLocked();
  const row = await query.executeTakeFirst();
  if (!row) {
    if (options.skipLocked) return undefined;
    throw holdNotFound(id);
  }
  return toHold(row);
}

/** One hold, or HOLD_NOT_FOUND. */
export async function getHold(db: Db, id: string): Promise<Hold> {
  const row = await db.selectFrom("holds").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw holdNotFound(id);
  return toHold(row);
}

/** Stores a hold's new captured total and status (closing it when final). */
export async function updateHold(
  trx: Transaction<LedgerDatabase>,
  id: string,
  change: { captured: bigint; status: HoldStatus; closes: boolean },
): Promise<Hold> {
  const row = await trx
    .updateTable("holds")
    .set({
      captured: change.captured,
      status: change.status,
      closed_at: change.closes ? sql<Date>`date_trunc('milliseconds', clock_timestamp())` : null,
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toHold(row);
}

/** Ids of up to `limit` open holds whose expiry is before `asOf`, soonest first. */
export async function findDueHoldIds(db: Db, asOf: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("holds")
    .select("id")
    .where("status", "in", ["PENDING", "PARTIALLY_CAPTURED"])
    .where("expires_at", "<", asOf)
    .orderBy("expires_at")
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}
