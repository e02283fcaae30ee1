import { randomUUID } from "node:crypto";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Account, AccountKind, AccountStatus } from "../domain/accounts.js";
import { LedgerError } from "../domain/ledger-error.js";
import type { AccountsTable, LedgerDatabase } from "./ledger.table.js";

type Db = Kysely<LedgerDatabase> | Transaction<LedgerDatabase>;

/** Turns an accounts row into the domain's Account. */
export function toAccount(row: Selectable<AccountsTable>): Account {
  return {
    id: row.id,
    ownerUserId: row.owner_user_id,
    kind: row.kind as AccountKind,
    currency: row.currency,
    status: row.status as AccountStatus,
    allowNegative: row.allow_negative,
    label: row.label,
    createdAt: row.created_at,
    statusChangedAt: row.status_changed_at,
    statusReason: row.status_reason,
  };
}

/** What opening an account needs. */
export interface NewAccount {
  readonly ownerUserId: string | null;
  readonly kind: AccountKind;
  readonly currency: string;
  readonly allowNegative: boolean;
  readonly label: string;
  readonly isDefault?: boolean;
}

/**
 * Inserts an account and its zero balance. A second USER_WALLET of one user
 * in one currency is refused with ACCOUNT_ALREADY_EXISTS naming the existing one.
 */
export async function insertAccount(trx: Transaction<LedgerDatabase>, account: NewAccount): Promise<Account> {
  const id = randomUUID();
  const row = await trx
    .insertInto("accounts")
    .values({
      id,
      owner_user_id: account.ownerUserId,
      kind: account.kind,
      currency: account.currency,
      status: "ACTIVE",
      allow_negative: account.allowNegative,
      label: account.label,
      is_default: account.isDefault ?? false,
      status_reason: "",
    })
    // A concurrent insert of the same wallet makes this one wait, then do nothing.
    .onConflict((oc) => oc.columns(["owner_user_id", "currency"]).where("kind", "=", "USER_WALLET").doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) {
    const existing = await trx
      .selectFrom("accounts")
      .select("id")
      .where("owner_user_id", "=", account.ownerUserId)
      .where("currency", "=", account.currency)
      .where("kind", "=", "USER_WALLET")
      .executeTakeFirst();
    throw new LedgerError("ACCOUNT_ALREADY_EXISTS", `user ${account.ownerUserId} already has a ${account.currency} wallet`, {
      account_id: existing?.id ?? "",
      currency: account.currency,
    });
  }
  await trx
    .insertInto("balances")
    .values({ account_id: id, currency: account.currency, allow_negative: account.allowNegative, posted: 0n, held: 0n, version: 0n, last_entry_sequence: 0n })
    .execute();
  return toAccount(row);
}

/** The accounts with these ids (missing ids are absent from the map). */
export async function findAccounts(db: Db, ids: readonly string[]): Promise<Map<string, Account>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom("accounts").selectAll().where("id", "in", [...ids]).execute();
  return new Map(rows.map((row) => [row.id, toAccount(row)]));
}

/** One account, or ACCOUNT_NOT_FOUND. */
export async function getAccount(db: Db, id: string): Promise<Account> {
  const row = await db.selectFrom("accounts").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw accountNotFound(id);
  return toAccount(row);
}

/** ACCOUNT_NOT_FOUND naming the id. */
export function accountNotFound(id: string): LedgerError {
  return new LedgerError("ACCOUNT_NOT_FOUND", `no account ${id}`, { account_id: id });
}

/** Sets an account's status with the reason and time of the change. */
export async function updateAccountStatus(
  trx: Transaction<LedgerDatabase>,
  id: string,
  status: AccountStatus,
  reason: string,
): Promise<Account> {
  const row = await trx
    .updateTable("accounts")
    .set((eb) => ({ status, status_reason: reason, status_changed_at: eb.fn<Date>("date_trunc", [eb.val("milliseconds"), eb.fn("clock_timestamp")]) }))
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAccount(row);
}

/** Filters of {@link listAccounts}; unset ones match everything. */
export interface AccountFilter {
  readonly ownerUserId?: string;
  readonly currency?: string;
  readonly kind?: AccountKind;
  readonly status?: AccountStatus;
}

/** Position after which a page of accounts starts (oldest first). */
export interface AccountCursor {
  readonly createdAt: Date;
  readonly id: string;
}

/** Up to `limit` accounts matching every filter, oldest first, after the cursor. */
export async function listAccounts(
  db: Db,
  filter: AccountFilter,
  after: AccountCursor | undefined,
  limit: number,
): Promise<Account[]> {
  let query = db.selectFrom("accounts").selectAll();
  if (filter.ownerUserId) query = query.where("owner_user_id", "=", filter.ownerUserId);
  if (filter.currency) query = query.where("currency", "=", filter.currency);
  if (filter.kind) query = query.where("kind", "=", filter.kind);
  if (filter.status) query = query.where("status", "=", filter.status);
  if (after) {
    query = query.where((eb) =>
      eb.or([eb("created_at", ">", after.createdAt), eb.and([eb("created_at", "=", after.createdAt), eb("id", ">", after.id)])]),
    );
  }
  const rows = await query.orderBy("created_at").orderBy("id").limit(limit).execute();
  return rows.map(toAccount);
}
