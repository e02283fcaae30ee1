import { available, type Balance } from "./accounts.js";
import { LedgerError } from "./ledger-error.js";
import { MAX_INT64 } from "./money.js";

/** The business operation behind a transaction (TransactionKind without its prefix). */
export type TransactionKind = "TOP_UP" | "WITHDRAWAL" | "TRANSFER" | "REFUND" | "HOLD_CAPTURE" | "ADJUSTMENT";

/** One movement: `amount` leaves `sourceAccountId` and arrives at `destinationAccountId`. */
export interface Posting {
  readonly sourceAccountId: string;
  readonly destinationAccountId: string;
  readonly amount: bigint;
  readonly currency: string;
}

/** A posted journal transaction. */
export interface JournalTransaction {
  readonly id: string;
  readonly kind: TransactionKind;
  readonly postings: readonly Posting[];
  readonly originalTransactionId: string | null;
  readonly holdId: string | null;
  readonly description: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly externalReference: string;
  readonly createdAt: Date;
}

/** One line of an account's statement, before it is stored. */
export interface EntryDraft {
  readonly accountId: string;
  readonly sequence: bigint;
  /** Index of the posting in the transaction. */
  readonly postingIndex: number;
  readonly direction: "DEBIT" | "CREDIT";
  readonly amount: bigint;
  readonly balanceAfter: bigint;
  readonly counterpartyAccountId: string;
}

/** The effect of a transaction on the locked balances: new states and statement lines. */
export interface MovementPlan {
  readonly balances: Balance[];
  readonly entries: EntryDraft[];
}

/**
 * Applies postings (and changes of held amounts, for holds) to the current
 * balances, all of which must be given: returns each changed balance (version
 * + 1) and the statement entries with their per-account sequence and the
 * posted balance after them. Refuses with INSUFFICIENT_FUNDS when an account
 * that may not go negative would end with posted - held below zero.
 */
export function planMovement(
  current: ReadonlyMap<string, Balance>,
  postings: readonly Posting[],
  heldDeltas: ReadonlyMap<string, bigint> = new Map(),
): MovementPlan {
  const working = new Map<string, { posted: bigint; held: bigint; sequence: bigint; changed: boolean }>();
  const stateOf = (accountId: string) => {
    let state = working.get(accountId);
    if (!state) {
      const balance = current.get(accountId);
      if (!balance) throw new Error(`balance of ${accountId} is not locked`);
      state = { posted: balance.posted, held: balance.held, sequence: balance.lastEntrySequence, changed: false };
      working.set(accountId, state);
    }
    return state;
  };
  const entries: EntryDraft[] = [];
  postings.forEach((posting, postingIndex) => {
    if (posting.amount <= 0n) throw new Error("posting amounts are positive");
    if (posting.sourceAccountId === posting.destinationAccountId) throw new Error("a posting moves between two accounts");
    const source = stateOf(posting.sourceAccountId);
    const destination = stateOf(posting.destinationAccountId);
    source.posted -= posting.amount;
    destination.posted += posting.amount;
    if (destination.posted > MAX_INT64 || source.posted < -MAX_INT64) throw new Error("balance overflows int64");
    source.changed = destination.changed = true;
    entries.push({
      accountId: posting.sourceAccountId,
      sequence: ++source.sequence,
      postingIndex,
      direction: "DEBIT",
      amount: posting.amount,
      balanceAfter: source.posted,
      counterpartyAccountId: posting.destinationAccountId,
    });
    entries.push({
      accountId: posting.destinationAccountId,
      sequence: ++destination.sequence,
      postingIndex,
      direction: "CREDIT",
      amount: posting.amount,
      balanceAfter: destination.posted,
      counterpartyAccountId: posting.sourceAccountId,
    });
  });
  for (const [accountId, delta] of heldDeltas) {
    const state = stateOf(accountId);
    state.held += delta;
    if (state.held < 0n) throw new Error(`held amount of ${accountId} would be negative`);
    state.changed = true;
  }
  const balances: Balance[] = [];
  for (const [accountId, state] of working) {
    const before = current.get(accountId)!;
    if (!state.changed) continue;
    const after = { posted: state.posted, held: state.held };
    // Only a debit or a new hold can make an account poorer; releasing or capturing a hold cannot.
    const poorer = available(after) < available(before);
    if (poorer && !before.allowNegative && available(after) < 0n) {
      throw new LedgerError(
        "INSUFFICIENT_FUNDS",
        `account ${accountId} has ${available(before)} ${before.currency} available`,
        { account_id: accountId },
      );
    }
    balances.push({
      ...before,
      posted: state.posted,
      held: state.held,
      version: before.version + 1n,
      lastEntrySequence: state.sequence,
    });
  }
  return { balances, entries };
}
