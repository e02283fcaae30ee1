/** Ledger and identity messages as the app sees them (wallet.bff.v1). */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createHash } from "node:crypto";
import {
  AccountSchema,
  AccountStatus,
  BalanceSchema,
  type Account,
  type Balance,
} from "#gen/wallet/bff/v1/account_pb.js";
import { ProfileSchema, type Profile } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import {
  CounterpartySchema,
  Direction,
  StatementEntrySchema,
  TransactionSchema,
  TransactionStatus,
  TransactionType,
  type StatementEntry,
  type Transaction,
} from "#gen/wallet/bff/v1/transaction_pb.js";
import type { Money } from "#gen/wallet/common/v1/money_pb.js";
import type { User } from "#gen/wallet/identity/v1/user_pb.js";
import {
  AccountStatus as LedgerAccountStatus,
  type Account as LedgerAccount,
  type Balance as LedgerBalance,
} from "#gen/wallet/ledger/v1/account_pb.js";
import {
  EntryDirection,
  TransactionKind,
  type StatementEntry as LedgerEntry,
  type Transaction as LedgerTransaction,
} from "#gen/wallet/ledger/v1/transaction_pb.js";

/** The app's account status for the ledger's. */
const statusOf: Record<LedgerAccountStatus, AccountStatus> = {
  [LedgerAccountStatus.UNSPECIFIED]: AccountStatus.UNSPECIFIED,
  [LedgerAccountStatus.ACTIVE]: AccountStatus.ACTIVE,
  [LedgerAccountStatus.FROZEN]: AccountStatus.FROZEN,
  [LedgerAccountStatus.CLOSED]: AccountStatus.CLOSED,
};

/** The app's transaction type for the ledger's kind (a hold capture is a payment: a transfer). */
const typeOf: Record<TransactionKind, TransactionType> = {
  [TransactionKind.UNSPECIFIED]: TransactionType.UNSPECIFIED,
  [TransactionKind.TOP_UP]: TransactionType.TOP_UP,
  [TransactionKind.WITHDRAWAL]: TransactionType.WITHDRAWAL,
  [TransactionKind.TRANSFER]: TransactionType.TRANSFER,
  [TransactionKind.REFUND]: TransactionType.REFUND,
  [TransactionKind.HOLD_CAPTURE]: TransactionType.TRANSFER,
  [TransactionKind.ADJUSTMENT]: TransactionType.ADJUSTMENT,
};

/** Labels for movements whose other side is a system account, never shown by id. */
const SYSTEM_LABELS: Partial<Record<TransactionKind, string>> = {
  [TransactionKind.TOP_UP]: "Top-up",
  [TransactionKind.WITHDRAWAL]: "Withdrawal",
  [TransactionKind.ADJUSTMENT]: "Balance adjustment",
};

/** A balance read at `asOf`. */
export function balanceOf(balance: LedgerBalance | undefined, asOf: Date): Balance {
  return create(BalanceSchema, { posted: balance?.posted, held: balance?.held, available: balance?.available, asOf: timestampFromDate(asOf) });
}

/** One of the caller's accounts with its balance. */
export function accountOf(account: LedgerAccount, balance: LedgerBalance | undefined, asOf: Date): Account {
  return create(AccountSchema, {
    id: account.id,
    currency: account.currency,
    status: statusOf[account.status],
    balance: balanceOf(balance, asOf),
    createdAt: account.createdAt,
  });
}

/** The caller's profile from identity's user record. */
export function profileOf(user: User): Profile {
  return create(ProfileSchema, {
    userId: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    phone: user.phone,
    displayName: user.displayName,
    locale: user.locale,
    createdAt: user.createdAt,
  });
}

/** The other side of a movement: system accounts get a label, never their id. */
function counterparty(kind: TransactionKind, accountId: string, displayName = "") {
  const label = SYSTEM_LABELS[kind];
  return create(CounterpartySchema, label ? { accountId: "", displayName: label } : { accountId, displayName });
}

/**
 * A ledger transaction seen from the caller, whose accounts are `own`: the
 * postings touching them give the direction, amount and counterparty.
 * Undefined when no posting touches them (the caller is not a party).
 */
export function transactionFor(
  tx: LedgerTransaction,
  own: ReadonlySet<string>,
  extra: { refundedAmount?: Money; counterpartyName?: string } = {},
): Transaction | undefined {
  const posting = tx.postings.find((p) => own.has(p.destinationAccountId) || own.has(p.sourceAccountId));
  if (!posting) return undefined;
  const incoming = own.has(posting.destinationAccountId);
  const accountId = incoming ? posting.destinationAccountId : posting.sourceAccountId;
  const other = incoming ? posting.sourceAccountId : posting.destinationAccountId;
  const amount = tx.postings
    .filter((p) => (incoming ? p.destinationAccountId : p.sourceAccountId) === accountId)
    .reduce((sum, p) => sum + (p.amount?.amountMinor ?? 0n), 0n);
  const isTransfer = tx.kind === TransactionKind.TRANSFER || tx.kind === TransactionKind.HOLD_CAPTURE;
  return create(TransactionSchema, {
    id: tx.id,
    type: typeOf[tx.kind],
    direction: incoming ? Direction.INCOMING : Direction.OUTGOING,
    status: TransactionStatus.POSTED,
    amount: { amountMinor: amount, currency: posting.amount?.currency ?? "" },
    accountId,
    counterparty: counterparty(tx.kind, other, extra.counterpartyName),
    description: tx.description,
    originalTransactionId: tx.originalTransactionId,
    refundedAmount: isTransfer ? extra.refundedAmount : undefined,
    createdAt: tx.createdAt,
  });
}

/**
 * A stable entry id: the ledger numbers entries per account (`sequence`), so
 * (account, sequence) names one; it is hashed into a name-based UUID (v5
 * layout) as the contract asks for a UUID.
 */
export function entryId(accountId: string, sequence: bigint): string {
  const hash = createHash("sha1").update(`wallet.bff.v1.StatementEntry|${accountId}|${sequence}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** One statement line of the caller's account. */
export function statementEntryOf(accountId: string, entry: LedgerEntry): StatementEntry {
  return create(StatementEntrySchema, {
    entryId: entryId(accountId, entry.sequence),
    transactionId: entry.transactionId,
    type: typeOf[entry.transactionKind],
    direction: entry.direction === EntryDirection.CREDIT ? Direction.INCOMING : Direction.OUTGOING,
    amount: entry.amount,
    balanceAfter: entry.balanceAfter,
    counterparty: counterparty(entry.transactionKind, entry.counterpartyAccountId),
    description: entry.description,
    postedAt: entry.postedAt,
  });
}
