/**
 * Money movements: top-up, withdrawal, transfer, refund, adjustment. Each function runs
 * inside the caller's database transaction (the one holding the idempotency
 * key): it locks the balances involved, applies the pure domain rules, posts
 * the journal transaction and writes its event to the outbox.
 */
import { create } from "@bufbuild/protobuf";
import type { Transaction } from "kysely";
import { writeOutboxEvents } from "#platform/outbox/index.js";
import { AdjustmentReason, EntryDirection } from "#gen/wallet/ledger/v1/transaction_pb.js";
import {
  AdjustmentPostedSchema,
  RefundPostedSchema,
  TopUpPostedSchema,
  TransferPostedSchema,
  WithdrawalPostedSchema,
} from "#gen/wallet/events/v1/ledger_events_pb.js";
import { assertDistinctAccounts, assertKind, assertMovable, type Account, type Balance } from "./domain/accounts.js";
import { adjustmentMetadata, adjustmentSides, type AdjustmentDirection, type AdjustmentReasonCode } from "./domain/adjustments.js";
import { LedgerError } from "./domain/ledger-error.js";
import { planMovement, type JournalTransaction, type Posting } from "./domain/journal.js";
import type { Money } from "./domain/money.js";
import { refundAmount, refundableMovement } from "./domain/refunds.js";
import type { Actor } from "./context.js";
import { event, initiatorOf, money, ts } from "./events.js";
import { accountNotFound, defaultSystemAccountId, findAccounts } from "./storage/accounts.repository.js";
import { getTransaction, lockBalances, postTransaction, refundedTotal } from "./storage/journal.repository.js";
import type { LedgerDatabase } from "./storage/ledger.table.js";

type Trx = Transaction<LedgerDatabase>;

/** Accounts and their locked balances. */
interface Locked {
  readonly accounts: Map<string, Account>;
  readonly balances: Map<string, Balance>;
}

/** Locks the balances (sorted) and then reads the accounts, so their status is current. */
export async function lockAccounts(trx: Trx, ids: readonly string[]): Promise<Locked> {
  const balances = await lockBalances(trx, ids);
  const accounts = await findAccounts(trx, ids);
  for (const id of ids) if (!accounts.has(id)) throw accountNotFound(id);
  return { accounts, balances };
}

/** The posted money movement and the balances after it. */
export interface PostedMovement {
  readonly transaction: JournalTransaction;
  readonly balances: Map<string, Balance>;
  readonly accounts: Map<string, Account>;
}

async function postSimple(
  trx: Trx,
  actor: Actor,
  locked: Locked,
  input: {
    kind: JournalTransaction["kind"];
    from: string;
    to: string;
    amount: Money;
    description: string;
    metadata: Record<string, string>;
    externalReference?: string;
    originalTransactionId?: string;
  },
): Promise<PostedMovement> {
  const posting: Posting = {
    sourceAccountId: input.from,
    destinationAccountId: input.to,
    amount: input.amount.amountMinor,
    currency: input.amount.currency,
  };
  const plan = planMovement(locked.balances, [posting]);
  const posted = await postTransaction(
    trx,
    {
      kind: input.kind,
      postings: [posting],
      description: input.description,
      metadata: input.metadata,
      externalReference: input.externalReference,
      originalTransactionId: input.originalTransactionId,
      caller: actor.caller,
    },
    plan,
  );
  return { ...posted, accounts: locked.accounts };
}

/** Input of {@link topUp}. */
export interface TopUpInput {
  readonly accountId: string;
  readonly amount: Money;
  readonly fundingAccountId?: string;
  readonly externalReference: string;
  readonly description: string;
  readonly metadata: Record<string, string>;
}

/**
 * Credits a USER_WALLET from a SYSTEM_FUNDING account (the currency's default
 * one when none is named). Errors: ACCOUNT_NOT_FOUND, ACCOUNT_FROZEN,
 * ACCOUNT_CLOSED, CURRENCY_MISMATCH, ACCOUNT_KIND_NOT_ALLOWED.
 */
export async function topUp(trx: Trx, actor: Actor, input: TopUpInput): Promise<PostedMovement> {
  const fundingId = input.fundingAccountId ?? (await defaultSystemAccountId(trx, "SYSTEM_FUNDING", input.amount.currency));
  assertDistinctAccounts(fundingId, input.accountId);
  const locked = await lockAccounts(trx, [fundingId, input.accountId]);
  const wallet = locked.accounts.get(input.accountId)!;
  const funding = locked.accounts.get(fundingId)!;
  assertKind(wallet, ["USER_WALLET"], "top-up destination");
  assertKind(funding, ["SYSTEM_FUNDING"], "top-up funding account");
  assertMovable(wallet, input.amount);
  assertMovable(funding, input.amount);
  const posted = await postSimple(trx, actor, locked, { kind: "TOP_UP", from: fundingId, to: input.accountId, ...input });
  const balance = posted.balances.get(input.accountId)!;
  await writeOutboxEvents(trx, "ledger", [
    event("transaction", posted.transaction.id, {
      case: "topUpPosted",
      value: create(TopUpPostedSchema, {
        transactionId: posted.transaction.id,
        accountId: input.accountId,
        ownerUserId: wallet.ownerUserId ?? "",
        fundingAccountId: fundingId,
        amount: money(input.amount.amountMinor, input.amount.currency),
        externalReference: input.externalReference,
        balanceAfter: money(balance.posted, balance.currency),
        postedAt: ts(posted.transaction.createdAt),
      }),
    }),
  ]);
  return posted;
}

/** Input of {@link withdraw}. */
export interface WithdrawInput {
  readonly accountId: string;
  readonly amount: Money;
  readonly settlementAccountId?: string;
  readonly externalReference: string;
  readonly description: string;
  readonly metadata: Record<string, string>;
}

/**
 * Debits a USER_WALLET to a SYSTEM_SETTLEMENT account (the currency's default
 * when none is named). Errors: as topUp, plus INSUFFICIENT_FUNDS.
 */
export async function withdraw(trx: Trx, actor: Actor, input: WithdrawInput): Promise<PostedMovement> {
  const settlementId =
    input.settlementAccountId ?? (await defaultSystemAccountId(trx, "SYSTEM_SETTLEMENT", input.amount.currency));
  assertDistinctAccounts(input.accountId, settlementId);
  const locked = await lockAccounts(trx, [input.accountId, settlementId]);
  const wallet = locked.accounts.get(input.accountId)!;
  const settlement = locked.accounts.get(settlementId)!;
  assertKind(wallet, ["USER_WALLET"], "withdrawal source");
  assertKind(settlement, ["SYSTEM_SETTLEMENT"], "withdrawal settlement account");
  assertMovable(wallet, input.amount);
  assertMovable(settlement, input.amount);
  const posted = await postSimple(trx, actor, locked, { kind: "WITHDRAWAL", from: input.accountId, to: settlementId, ...input });
  const balance = posted.balances.get(input.accountId)!;
  await writeOutboxEvents(trx, "ledger", [
    event("transaction", posted.transaction.id, {
      case: "withdrawalPosted",
      value: create(WithdrawalPostedSchema, {
        transactionId: posted.transaction.id,
        accountId: input.accountId,
        ownerUserId: wallet.ownerUserId ?? "",
        settlementAccountId: settlementId,
        amount: money(input.amount.amountMinor, input.amount.currency),
        externalReference: input.externalReference,
        balanceAfter: money(balance.posted, balance.currency),
        initiator: initiatorOf(actor.initiator),
        postedAt: ts(posted.transaction.createdAt),
        underReview: actor.risk?.underReview ?? false,
        riskReference: actor.risk?.reference ?? "",
      }),
    }),
  ]);
  return posted;
}

/** Input of {@link transfer}. */
export interface TransferInput {
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: Money;
  readonly description: string;
  readonly metadata: Record<string, string>;
}

/** Kinds that may send or receive a transfer: funding accounts move money only by top-up. */
const transferKinds = ["USER_WALLET", "SYSTEM_FEES", "SYSTEM_SETTLEMENT", "SYSTEM_REFUNDS"] as const;

/**
 * Moves money between two accounts of the same currency. Errors:
 * SELF_TRANSFER, ACCOUNT_NOT_FOUND, ACCOUNT_FROZEN, ACCOUNT_CLOSED,
 * CURRENCY_MISMATCH, ACCOUNT_KIND_NOT_ALLOWED, INSUFFICIENT_FUNDS.
 */
export async function transfer(trx: Trx, actor: Actor, input: TransferInput): Promise<PostedMovement> {
  assertDistinctAccounts(input.fromAccountId, input.toAccountId);
  const locked = await lockAccounts(trx, [input.fromAccountId, input.toAccountId]);
  const from = locked.accounts.get(input.fromAccountId)!;
  const to = locked.accounts.get(input.toAccountId)!;
  assertKind(from, transferKinds, "transfer source");
  assertKind(to, transferKinds, "transfer destination");
  assertMovable(from, input.amount);
  assertMovable(to, input.amount);
  const posted = await postSimple(trx, actor, locked, {
    kind: "TRANSFER",
    from: input.fromAccountId,
    to: input.toAccountId,
    ...input,
  });
  const fromBalance = posted.balances.get(from.id)!;
  const toBalance = posted.balances.get(to.id)!;
  await writeOutboxEvents(trx, "ledger", [
    event("transaction", posted.transaction.id, {
      case: "transferPosted",
      value: create(TransferPostedSchema, {
        transactionId: posted.transaction.id,
        fromAccountId: from.id,
        fromUserId: from.ownerUserId ?? "",
        toAccountId: to.id,
        toUserId: to.ownerUserId ?? "",
        amount: money(input.amount.amountMinor, input.amount.currency),
        description: input.description,
        metadata: input.metadata,
        fromBalanceAfter: money(fromBalance.posted, fromBalance.currency),
        toBalanceAfter: money(toBalance.posted, toBalance.currency),
        initiator: initiatorOf(actor.initiator),
        underReview: actor.risk?.underReview ?? false,
        postedAt: ts(posted.transaction.createdAt),
        riskReference: actor.risk?.reference ?? "",
      }),
    }),
  ]);
  return posted;
}

/** Input of {@link refund}. */
export interface RefundInput {
  readonly originalTransactionId: string;
  /** Unset refunds everything not yet refunded. */
  readonly amount?: Money;
  readonly reason: string;
  /** A SYSTEM_REFUNDS account paying a goodwill refund. */
  readonly fundingAccountId?: string;
  readonly metadata: Record<string, string>;
}

/** The refund and what is left to refund. */
export interface PostedRefund extends PostedMovement {
  readonly remainingRefundable: Money;
}

/**
 * Returns money for a TRANSFER or HOLD_CAPTURE, from its destination (or a
 * refunds account) to its source. The original transaction row is locked
 * first so concurrent refunds of it run one at a time and never exceed it.
 * Errors: TRANSACTION_NOT_FOUND, NOT_REFUNDABLE, REFUND_EXCEEDS_ORIGINAL,
 * NON_POSITIVE_AMOUNT, CURRENCY_MISMATCH, INSUFFICIENT_FUNDS, ACCOUNT_FROZEN,
 * ACCOUNT_CLOSED, ACCOUNT_KIND_NOT_ALLOWED.
 */
export async function refund(trx: Trx, actor: Actor, input: RefundInput): Promise<PostedRefund> {
  const original = await getTransaction(trx, input.originalTransactionId, { lock: true });
  const movement = refundableMovement(original);
  const payerId = input.fundingAccountId ?? movement.destinationAccountId;
  if (input.amount && input.amount.currency !== movement.currency) {
    throw new LedgerError("CURRENCY_MISMATCH", `transaction ${original.id} moved ${movement.currency}, the refund is in ${input.amount.currency}`, {
      account_id: payerId,
      currency: movement.currency,
      amount_currency: input.amount.currency,
    });
  }
  const refunded = await refundedTotal(trx, original.id);
  const amountMinor = refundAmount(original.id, movement.amount, refunded, input.amount?.amountMinor);
  const amount: Money = { amountMinor, currency: movement.currency };
  const payeeId = movement.sourceAccountId;
  assertDistinctAccounts(payerId, payeeId);
  const locked = await lockAccounts(trx, [payerId, payeeId]);
  const payer = locked.accounts.get(payerId)!;
  const payee = locked.accounts.get(payeeId)!;
  if (input.fundingAccountId) assertKind(payer, ["SYSTEM_REFUNDS"], "refund funding account");
  assertMovable(payer, amount);
  assertMovable(payee, amount);
  const posted = await postSimple(trx, actor, locked, {
    kind: "REFUND",
    from: payerId,
    to: payeeId,
    amount,
    description: input.reason,
    metadata: input.metadata,
    originalTransactionId: original.id,
  });
  const remainingRefundable: Money = { amountMinor: movement.amount - refunded - amountMinor, currency: movement.currency };
  await writeOutboxEvents(trx, "ledger", [
    event("transaction", posted.transaction.id, {
      case: "refundPosted",
      value: create(RefundPostedSchema, {
        transactionId: posted.transaction.id,
        originalTransactionId: original.id,
        fromAccountId: payerId,
        fromUserId: payer.ownerUserId ?? "",
        toAccountId: payeeId,
        toUserId: payee.ownerUserId ?? "",
        amount: money(amount.amountMinor, amount.currency),
        remainingRefundable: money(remainingRefundable.amountMinor, remainingRefundable.currency),
        reason: input.reason,
        postedAt: ts(posted.transaction.createdAt),
      }),
    }),
  ]);
  return { ...posted, remainingRefundable };
}

/** Input of {@link adjustBalance}. */
export interface AdjustmentInput {
  readonly accountId: string;
  readonly direction: AdjustmentDirection;
  readonly amount: Money;
  readonly reasonCode: AdjustmentReasonCode;
  /** Why, in words: the statement line's description. */
  readonly reason: string;
  readonly metadata: Record<string, string>;
}

/**
 * Corrects a USER_WALLET by hand: a CREDIT moves money from the currency's
 * default SYSTEM_ADJUSTMENTS account (opened on first use, may go negative)
 * to the wallet, a DEBIT from the wallet to it. The reason is the
 * description, the reason code is kept in the metadata. Not risk-scored:
 * staff ask for it after a second staff member's approval. Writes an
 * AdjustmentPosted (with the caller's metadata, the reason code in its own
 * field) in the same transaction. Errors:
 * ACCOUNT_NOT_FOUND, ACCOUNT_KIND_NOT_ALLOWED, ACCOUNT_FROZEN,
 * ACCOUNT_CLOSED, CURRENCY_MISMATCH, INSUFFICIENT_FUNDS (a debit), INVALID_FIELD (metadata).
 */
export async function adjustBalance(trx: Trx, actor: Actor, input: AdjustmentInput): Promise<PostedMovement> {
  const metadata = adjustmentMetadata(input.metadata, input.reasonCode);
  const adjustmentsId = await defaultSystemAccountId(trx, "SYSTEM_ADJUSTMENTS", input.amount.currency);
  const locked = await lockAccounts(trx, [adjustmentsId, input.accountId]);
  const wallet = locked.accounts.get(input.accountId)!;
  // The kind first: naming the adjustments account itself is ACCOUNT_KIND_NOT_ALLOWED, not SELF_TRANSFER.
  assertKind(wallet, ["USER_WALLET"], "adjusted account");
  assertMovable(wallet, input.amount);
  assertMovable(locked.accounts.get(adjustmentsId)!, input.amount);
  const sides = adjustmentSides(input.accountId, adjustmentsId, input.direction);
  const posted = await postSimple(trx, actor, locked, { kind: "ADJUSTMENT", ...sides, amount: input.amount, description: input.reason, metadata });
  const balance = posted.balances.get(input.accountId)!;
  await writeOutboxEvents(trx, "ledger", [
    event("transaction", posted.transaction.id, {
      case: "adjustmentPosted",
      value: create(AdjustmentPostedSchema, {
        transactionId: posted.transaction.id,
        accountId: input.accountId,
        ownerUserId: wallet.ownerUserId ?? "",
        adjustmentsAccountId: adjustmentsId,
        direction: EntryDirection[input.direction],
        amount: money(input.amount.amountMinor, input.amount.currency),
        reasonCode: AdjustmentReason[input.reasonCode],
        reason: input.reason,
        balanceAfter: money(balance.posted, balance.currency),
        postedAt: ts(posted.transaction.createdAt),
        metadata: input.metadata,
      }),
    }),
  ]);
  return posted;
}
