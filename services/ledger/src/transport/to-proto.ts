/** Domain objects as wallet.ledger.v1 messages. */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  AccountKind,
  AccountSchema,
  AccountStatus,
  BalanceSchema,
  type Account as AccountPb,
  type Balance as BalancePb,
} from "#gen/wallet/ledger/v1/account_pb.js";
import { HoldSchema, HoldStatus, type Hold as HoldPb } from "#gen/wallet/ledger/v1/hold_pb.js";
import {
  EntryDirection,
  PostingSchema,
  StatementEntrySchema,
  TransactionKind,
  TransactionSchema,
  type StatementEntry,
  type Transaction as TransactionPb,
} from "#gen/wallet/ledger/v1/transaction_pb.js";
import { available, type Account, type Balance } from "../domain/accounts.js";
import type { Hold } from "../domain/holds.js";
import type { JournalTransaction } from "../domain/journal.js";
import { money } from "../events.js";
import type { StatementRow } from "../storage/journal.repository.js";

/** An Account message. */
export function accountPb(account: Account): AccountPb {
  return create(AccountSchema, {
    id: account.id,
    ownerUserId: account.ownerUserId ?? "",
    kind: AccountKind[account.kind],
    currency: account.currency,
    status: AccountStatus[account.status],
    allowNegative: account.allowNegative,
    label: account.label,
    createdAt: timestampFromDate(account.createdAt),
    statusChangedAt: timestampFromDate(account.statusChangedAt),
    statusReason: account.statusReason,
  });
}

/** A Balance message: posted, held and available. */
export function balancePb(balance: Balance): BalancePb {
  return create(BalanceSchema, {
    accountId: balance.accountId,
    posted: money(balance.posted, balance.currency),
    held: money(balance.held, balance.currency),
    available: money(available(balance), balance.currency),
    version: balance.version,
    updatedAt: timestampFromDate(balance.updatedAt),
  });
}

/** A Transaction message with its postings. */
export function transactionPb(tx: JournalTransaction): TransactionPb {
  return create(TransactionSchema, {
    id: tx.id,
    kind: TransactionKind[tx.kind],
    postings: tx.postings.map((p) =>
      create(PostingSchema, {
        sourceAccountId: p.sourceAccountId,
        destinationAccountId: p.destinationAccountId,
        amount: money(p.amount, p.currency),
      }),
    ),
    originalTransactionId: tx.originalTransactionId ?? "",
    holdId: tx.holdId ?? "",
    description: tx.description,
    metadata: { ...tx.metadata },
    externalReference: tx.externalReference,
    createdAt: timestampFromDate(tx.createdAt),
  });
}

/** A Hold message. */
export function holdPb(hold: Hold): HoldPb {
  return create(HoldSchema, {
    id: hold.id,
    accountId: hold.accountId,
    destinationAccountId: hold.destinationAccountId,
    amount: money(hold.amount, hold.currency),
    capturedAmount: money(hold.captured, hold.currency),
    status: HoldStatus[hold.status],
    expiresAt: timestampFromDate(hold.expiresAt),
    description: hold.description,
    metadata: { ...hold.metadata },
    createdAt: timestampFromDate(hold.createdAt),
    closedAt: hold.closedAt ? timestampFromDate(hold.closedAt) : undefined,
  });
}

/** A StatementEntry message. */
export function statementEntryPb(row: StatementRow, currency: string): StatementEntry {
  return create(StatementEntrySchema, {
    transactionId: row.transaction_id,
    transactionKind: TransactionKind[row.transaction_kind as keyof typeof TransactionKind],
    direction: EntryDirection[row.direction],
    amount: money(row.amount, currency),
    balanceAfter: money(row.balance_after, currency),
    counterpartyAccountId: row.counterparty_account_id,
    description: row.description,
    postedAt: timestampFromDate(row.posted_at),
    sequence: row.sequence,
  });
}
