import { randomUUID } from "node:crypto";
import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import type { Balance } from "../domain/accounts.js";
import type { JournalTransaction, MovementPlan, Posting, TransactionKind } from "../domain/journal.js";
import { LedgerError } from "../domain/ledger-error.js";
import { accountNotFound } from "./accounts.repository.js";
import type { BalancesTable, EntriesTable, LedgerDatabase } from "./ledger.table.js";

type Db = Kysely<LedgerDatabase> | Transaction<LedgerDatabase>;

/** Turns a balances row into the domain's Balance. */
export function toBalance(row: Selectable<BalancesTable>): Balance {
  return {
    accountId: row.account_id,
    currency: row.currency,
    allowNegative: row.allow_negative,
    posted: row.posted,
    held: row.held,
    version: row.version,
    lastEntrySequence: row.last_entry_sequence,
    updatedAt: row.updated_at,
  };
}

/**
 * Locks the balance rows of `accountIds` (`SELECT ... FOR UPDATE`) in
 * ascending account id order and returns them; ACCOUNT_NOT_FOUND for an
 * unknown id.
 *
 * Why this is enough under READ COMMITTED: every write that changes money
 * locks the balance rows it will change before reading them, always in the
 * same (sorted) order, so two writes touching the same account run one after
 * the other and never deadlock, and the second reads the first's committed
 * balance (a locking read sees the latest committed row version). Reads of
 * other rows that decide the outcome (account status, hold state, refunds so
 * far) happen after these locks, in statements whose fresh snapshot includes
 * every write that held the same locks before us. Hold and refund rows are
 * locked before balances (the global order is: idempotency key, hold or
 * original transaction, balances by id).
 */
export async function lockBalances(trx: Transaction<LedgerDatabase>, accountIds: readonly string[]): Promise<Map<string, Balance>> {
  const ids = [...new Set(accountIds)].sort();
  const rows = await trx.selectFrom("balances").selectAll().where("account_id", "in", ids).orderBy("account_id").forUpdate().execute();
  const balances = new Map(rows.map((row) => [row.account_id, toBalance(row)]));
  for (const id of ids) if (!balances.has(id)) throw accountNotFound(id);
  return balances;
}

/** Current balances of these accounts (missing ids are absent). */
export async function findBalances(db: Db, accountIds: readonly string[]): Promise<Map<string, Balance>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db.selectFrom("balances").selectAll().where("account_id", "in", [...accountIds]).execute();
  return new Map(rows.map((row) => [row.account_id, toBalance(row)]));
}

/** One account's current balance, or ACCOUNT_NOT_FOUND. */
export async function getBalance(db: Db, accountId: string): Promise<Balance> {
  const row = await db.selectFrom("balances").selectAll().where("account_id", "=", accountId).executeTakeFirst();
  if (!row) throw accountNotFound(accountId);
  return toBalance(row);
}

/** Stores new balance states (from a MovementPlan) stamped with `at`. */
export async function saveBalances(trx: Transaction<LedgerDatabase>, balances: readonly Balance[], at: Date | "now"): Promise<Balance[]> {
  if (balances.length === 0) return [];
  const values = sql.join(
    balances.map((b) => sql`(${b.accountId}::uuid, ${b.posted}::bigint, ${b.held}::bigint, ${b.version}::bigint, ${b.lastEntrySequence}::bigint)`),
  );
  const stamp = at === "now" ? sql`date_trunc('milliseconds', clock_timestamp())` : sql`${at}::timestamptz`;
  const result = await sql<Selectable<BalancesTable>>`
    UPDATE balances AS b
       SET posted = v.posted, held = v.held, version = v.version, last_entry_sequence = v.seq, updated_at = ${stamp}
      FROM (VALUES ${values}) AS v (account_id, posted, held, version, seq)
     WHERE b.account_id = v.account_id
    RETURNING b.*
  `.execute(trx);
  return result.rows.map(toBalance);
}

/** A transaction about to be posted. */
export interface NewJournalTransaction {
  readonly kind: TransactionKind;
  readonly postings: readonly Posting[];
  readonly description: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly externalReference?: string;
  readonly originalTransactionId?: string;
  readonly holdId?: string;
  /** The internal caller that asked for it, for audit. */
  readonly caller: string;
}

/**
 * Posts a transaction whose plan was computed from balances locked by
 * {@link lockBalances} in this transaction: inserts the transaction (its time
 * taken now, after the locks), its postings, the statement entries, and
 * stores the new balances. Returns the posted transaction and the balances after.
 */
export async function postTransaction(
  trx: Transaction<LedgerDatabase>,
  tx: NewJournalTransaction,
  plan: MovementPlan,
): Promise<{ transaction: JournalTransaction; balances: Map<string, Balance> }> {
  const id = randomUUID();
  const { created_at: createdAt } = await trx
    .insertInto("transactions")
    .values({
      id,
      kind: tx.kind,
      description: tx.description,
      metadata: JSON.stringify(tx.metadata),
      external_reference: tx.externalReference ?? "",
      original_transaction_id: tx.originalTransactionId ?? null,
      hold_id: tx.holdId ?? null,
      caller: tx.caller,
    })
    .returning("created_at")
    .executeTakeFirstOrThrow();
  const postingIds: bigint[] = [];
  for (const posting of tx.postings) {
    // One row per statement keeps the id-to-posting match explicit; transactions have one or two postings.
    const { id: postingId } = await trx
      .insertInto("postings")
      .values({
        transaction_id: id,
        source_account_id: posting.sourceAccountId,
        destination_account_id: posting.destinationAccountId,
        amount: posting.amount,
        currency: posting.currency,
        created_at: createdAt,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    postingIds.push(postingId);
  }
  if (plan.entries.length > 0) {
    await trx
      .insertInto("entries")
      .values(
        plan.entries.map((entry) => ({
          account_id: entry.accountId,
          sequence: entry.sequence,
          posting_id: postingIds[entry.postingIndex]!,
          transaction_id: id,
          direction: entry.direction,
          amount: entry.amount,
          balance_after: entry.balanceAfter,
          counterparty_account_id: entry.counterpartyAccountId,
          posted_at: createdAt,
        })),
      )
      .execute();
  }
  const saved = await saveBalances(trx, plan.balances, createdAt);
  return {
    transaction: {
      id,
      kind: tx.kind,
      postings: tx.postings,
      originalTransactionId: tx.originalTransactionId ?? null,
      holdId: tx.holdId ?? null,
      description: tx.description,
      metadata: { ...tx.metadata },
      externalReference: tx.externalReference ?? "",
      createdAt,
    },
    balances: new Map(saved.map((b) => [b.accountId, b])),
  };
}

/** One transaction with its postings, or TRANSACTION_NOT_FOUND. Pass `lock` to lock it against concurrent refunds. */
export async function getTransaction(db: Db, id: string, options: { lock?: boolean } = {}): Promise<JournalTransaction> {
  let query = db.selectFrom("transactions").selectAll().where("id", "=", id);
  if (options.lock) query = query.forNoKeyUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new LedgerError("TRANSACTION_NOT_FOUND", `no transaction ${id}`, { transaction_id: id });
  const postings = await db
    .selectFrom("postings")
    .select(["source_account_id", "destination_account_id", "amount", "currency"])
    .where("transaction_id", "=", id)
    .orderBy("id")
    .execute();
  return {
    id: row.id,
    kind: row.kind as TransactionKind,
    postings: postings.map((p) => ({
      sourceAccountId: p.source_account_id,
      destinationAccountId: p.destination_account_id,
      amount: p.amount,
      currency: p.currency,
    })),
    originalTransactionId: row.original_transaction_id,
    holdId: row.hold_id,
    description: row.description,
    metadata: row.metadata,
    externalReference: row.external_reference,
    createdAt: row.created_at,
  };
}

/** Total refunded so far of a transaction (sum of its REFUND transactions' postings). */
export async function refundedTotal(db: Db, originalTransactionId: string): Promise<bigint> {
  const row = await db
    .selectFrom("transactions as t")
    .innerJoin("postings as p", "p.transaction_id", "t.id")
    .select(sql<bigint>`coalesce(sum(p.amount), 0)::bigint`.as("total"))
    .where("t.original_transaction_id", "=", originalTransactionId)
    .executeTakeFirst();
  return row?.total ?? 0n;
}

/** The posted balance of an account at an instant: its last entry at or before it. */
export async function balanceAt(
  db: Db,
  accountId: string,
  at: Date,
): Promise<{ posted: bigint; lastTransactionId: string | null }> {
  const row = await db
    .selectFrom("entries")
    .select(["balance_after", "transaction_id"])
    .where("account_id", "=", accountId)
    .where("posted_at", "<=", at)
    .orderBy("posted_at", "desc")
    .orderBy("sequence", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? { posted: row.balance_after, lastTransactionId: row.transaction_id } : { posted: 0n, lastTransactionId: null };
}

/** A statement line with its transaction's kind and description. */
export type StatementRow = Selectable<EntriesTable> & { transaction_kind: string; description: string };

/** Options of {@link listEntries}. */
export interface EntryQuery {
  readonly accountId: string;
  /** Inclusive start, exclusive end. */
  readonly from?: Date;
  readonly until?: Date;
  readonly oldestFirst: boolean;
  /** Sequence of the last entry of the previous page. */
  readonly afterSequence?: bigint;
  readonly limit: number;
}

/** A page of an account's statement, ordered by sequence, within a time range. */
export async function listEntries(db: Db, q: EntryQuery): Promise<StatementRow[]> {
  let query = db
    .selectFrom("entries as e")
    .innerJoin("transactions as t", "t.id", "e.transaction_id")
    .selectAll("e")
    .select(["t.kind as transaction_kind", "t.description"])
    .where("e.account_id", "=", q.accountId);
  if (q.from) query = query.where("e.posted_at", ">=", q.from);
  if (q.until) query = query.where("e.posted_at", "<", q.until);
  if (q.afterSequence !== undefined) query = query.where("e.sequence", q.oldestFirst ? ">" : "<", q.afterSequence);
  return query.orderBy("e.sequence", q.oldestFirst ? "asc" : "desc").limit(q.limit).execute();
}
