/**
 * The movement rules composed, in TypeScript, over an in-memory ledger: the
 * specification that `ledger_post_movements` (migration 0007) implements in
 * the database. The property test in services/ledger/test runs random
 * movement sequences through both and requires the same outcomes, balances
 * and refusals. The order of the checks is part of the rules: it decides
 * which reason a movement that breaks two of them gets.
 */
import { assertDistinctAccounts, assertKind, assertMovable, type Account, type Balance } from "./accounts.js";
import { planMovement, type JournalTransaction, type Posting } from "./journal.js";
import { LedgerError } from "./ledger-error.js";
import type { Money } from "./money.js";
import { movementShape, type Movement } from "./movement.js";
import { refundAmount, refundableMovement } from "./refunds.js";

/** An in-memory ledger. */
export interface LedgerState {
  readonly accounts: Map<string, Account>;
  readonly balances: Map<string, Balance>;
  readonly transactions: Map<string, JournalTransaction>;
  /** Refunded so far, by original transaction id. */
  readonly refunded: Map<string, bigint>;
  /** The default system account of "KIND CURRENCY" (they exist before any movement here). */
  readonly defaults: Map<string, string>;
}

/** What the rules decide about one movement. */
export type MovementDecision =
  | { readonly posted: { readonly posting: Posting; readonly balances: Balance[]; readonly remainingRefundable?: bigint } }
  | { readonly refused: LedgerError };

/** The two accounts, the amount and (for refunds) what is left, or the refusal thrown. */
function resolve(state: LedgerState, movement: Movement): { ids: [string, string]; amount: Money; remaining?: bigint } {
  const shape = movementShape(movement);
  if (movement.kind === "REFUND") {
    const original = state.transactions.get(movement.originalTransactionId);
    if (!original) {
      throw new LedgerError("TRANSACTION_NOT_FOUND", `no transaction ${movement.originalTransactionId}`, { transaction_id: movement.originalTransactionId });
    }
    const refundable = refundableMovement(original);
    const payerId = movement.fundingAccountId ?? refundable.destinationAccountId;
    if (movement.amount && movement.amount.currency !== refundable.currency) {
      throw new LedgerError(
        "CURRENCY_MISMATCH",
        `transaction ${original.id} moved ${refundable.currency}, the refund is in ${movement.amount.currency}`,
        { account_id: payerId, currency: refundable.currency, amount_currency: movement.amount.currency },
      );
    }
    const refunded = state.refunded.get(original.id) ?? 0n;
    const amountMinor = refundAmount(original.id, refundable.amount, refunded, movement.amount?.amountMinor);
    return {
      ids: [payerId, refundable.sourceAccountId],
      amount: { amountMinor, currency: refundable.currency },
      remaining: refundable.amount - refunded - amountMinor,
    };
  }
  const idOf = (i: 0 | 1) => {
    const party = shape.parties[i];
    if (party.accountId) return party.accountId;
    const id = state.defaults.get(`${party.defaultKind} ${movement.amount.currency}`);
    if (!id) throw new Error(`no default ${party.defaultKind} account in ${movement.amount.currency}`);
    return id;
  };
  return { ids: [idOf(0), idOf(1)], amount: movement.amount };
}

/** Applies one movement to `state` (changed in place when posted); `transactionId` names the posted transaction. */
export function applyMovement(state: LedgerState, movement: Movement, transactionId: string): MovementDecision {
  try {
    const shape = movementShape(movement);
    const { ids, amount, remaining } = resolve(state, movement);
    if (shape.distinct) assertDistinctAccounts(ids[0], ids[1]);
    // Locking finds a missing account first, in account id order.
    for (const id of [...new Set(ids)].sort()) {
      if (!state.balances.has(id)) throw new LedgerError("ACCOUNT_NOT_FOUND", `no account ${id}`, { account_id: id });
    }
    const accounts = ids.map((id) => state.accounts.get(id)!);
    shape.parties.forEach((party, i) => party.kinds && assertKind(accounts[i]!, party.kinds, party.role));
    for (const account of accounts) assertMovable(account, amount);
    const posting: Posting = {
      sourceAccountId: ids[shape.source],
      destinationAccountId: ids[1 - shape.source]!,
      amount: amount.amountMinor,
      currency: amount.currency,
    };
    const plan = planMovement(state.balances, [posting]);
    for (const balance of plan.balances) state.balances.set(balance.accountId, balance);
    state.transactions.set(transactionId, {
      id: transactionId,
      kind: movement.kind,
      postings: [posting],
      originalTransactionId: movement.kind === "REFUND" ? movement.originalTransactionId : null,
      holdId: null,
      description: movement.kind === "REFUND" || movement.kind === "ADJUSTMENT" ? movement.reason : movement.description,
      metadata: movement.metadata,
      externalReference: "",
      createdAt: new Date(0),
    });
    if (movement.kind === "REFUND") {
      state.refunded.set(movement.originalTransactionId, (state.refunded.get(movement.originalTransactionId) ?? 0n) + amount.amountMinor);
    }
    return { posted: { posting, balances: ids.map((id) => state.balances.get(id)!), remainingRefundable: remaining } };
  } catch (err) {
    if (err instanceof LedgerError) return { refused: err };
    throw err;
  }
}
