/**
 * What the ledger and risk answer, as the backoffice's own messages. Staff
 * see one contract (wallet.backoffice.v1) whatever the services behind it
 * call things; every difference between the contracts is decided here, once.
 * The enum tables are `Record`s so that a value added to either side fails
 * to compile until someone decides what it means to staff.
 */
import { create } from "@bufbuild/protobuf";
import {
  AccountKind,
  AccountSchema,
  AccountStatus,
  IntegrityMismatchSchema,
  type Account,
  type IntegrityMismatch,
} from "#gen/wallet/backoffice/v1/account_pb.js";
import { VerifyLedgerIntegrityResponseSchema, type VerifyLedgerIntegrityResponse } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import {
  AlertResolution,
  AlertSeverity,
  AlertStatus,
  RiskAlertSchema,
  type RiskAlert,
} from "#gen/wallet/backoffice/v1/risk_alert_pb.js";
import {
  AccountEntrySchema,
  PostingSchema,
  TransactionSchema,
  TransactionStatus,
  TransactionType,
  type AccountEntry,
  type Posting,
  type Transaction,
} from "#gen/wallet/backoffice/v1/transaction_pb.js";
import { MoneySchema, type Money } from "#gen/wallet/common/v1/money_pb.js";
import {
  AccountKind as LedgerAccountKind,
  AccountStatus as LedgerAccountStatus,
  type Account as LedgerAccount,
  type Balance as LedgerBalance,
} from "#gen/wallet/ledger/v1/account_pb.js";
import type { BalanceDiscrepancy, VerifyIntegrityResponse } from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import {
  EntryDirection,
  TransactionKind,
  type Posting as LedgerPosting,
  type StatementEntry,
  type Transaction as LedgerTransaction,
} from "#gen/wallet/ledger/v1/transaction_pb.js";
import {
  AlertResolution as RiskAlertResolution,
  AlertSeverity as RiskAlertSeverity,
  AlertStatus as RiskAlertStatus,
  type Alert as RiskAlertMessage,
} from "#gen/wallet/risk/v1/alert_pb.js";

// ---------------------------------------------------------------- accounts

/** Staff only tell users' wallets from the wallet's own accounts, named by purpose. */
const KINDS: Record<LedgerAccountKind, { readonly kind: AccountKind; readonly systemName: string }> = {
  [LedgerAccountKind.UNSPECIFIED]: { kind: AccountKind.UNSPECIFIED, systemName: "" },
  [LedgerAccountKind.USER_WALLET]: { kind: AccountKind.USER, systemName: "" },
  [LedgerAccountKind.SYSTEM_FUNDING]: { kind: AccountKind.SYSTEM, systemName: "funding" },
  [LedgerAccountKind.SYSTEM_FEES]: { kind: AccountKind.SYSTEM, systemName: "fees" },
  [LedgerAccountKind.SYSTEM_SETTLEMENT]: { kind: AccountKind.SYSTEM, systemName: "settlement" },
  [LedgerAccountKind.SYSTEM_REFUNDS]: { kind: AccountKind.SYSTEM, systemName: "refunds" },
  [LedgerAccountKind.SYSTEM_ADJUSTMENTS]: { kind: AccountKind.SYSTEM, systemName: "adjustments" },
};

const ACCOUNT_STATUSES: Record<LedgerAccountStatus, AccountStatus> = {
  [LedgerAccountStatus.UNSPECIFIED]: AccountStatus.UNSPECIFIED,
  [LedgerAccountStatus.ACTIVE]: AccountStatus.ACTIVE,
  [LedgerAccountStatus.FROZEN]: AccountStatus.FROZEN,
  [LedgerAccountStatus.CLOSED]: AccountStatus.CLOSED,
};

/**
 * The ledger keeps an account and its balance apart (GetAccount and
 * ListAccounts answer both), so the balance comes as a second argument;
 * without it the amounts stay unset rather than reading as zero.
 *
 * The ledger records when and why the status last changed, not who changed
 * it: for a FROZEN account that is the freeze, so `frozen_at` and
 * `frozen_reason` come from there and `frozen_by` stays empty (the audit
 * log has the staff id).
 */
export function accountPb(account: LedgerAccount, balance?: LedgerBalance): Account {
  const { kind, systemName } = KINDS[account.kind] ?? KINDS[LedgerAccountKind.UNSPECIFIED];
  const status = ACCOUNT_STATUSES[account.status] ?? AccountStatus.UNSPECIFIED;
  const frozen = status === AccountStatus.FROZEN;
  return create(AccountSchema, {
    id: account.id,
    kind,
    ownerUserId: account.ownerUserId,
    systemName,
    currency: account.currency,
    status,
    posted: balance?.posted,
    held: balance?.held,
    available: balance?.available,
    createdAt: account.createdAt,
    frozenAt: frozen ? account.statusChangedAt : undefined,
    frozenReason: frozen ? account.statusReason : "",
  });
}

// ------------------------------------------------------------ transactions

const TYPES: Record<TransactionKind, TransactionType> = {
  [TransactionKind.UNSPECIFIED]: TransactionType.UNSPECIFIED,
  [TransactionKind.TOP_UP]: TransactionType.TOP_UP,
  [TransactionKind.WITHDRAWAL]: TransactionType.WITHDRAWAL,
  [TransactionKind.TRANSFER]: TransactionType.TRANSFER,
  [TransactionKind.REFUND]: TransactionType.REFUND,
  [TransactionKind.HOLD_CAPTURE]: TransactionType.HOLD_CAPTURE,
  [TransactionKind.ADJUSTMENT]: TransactionType.ADJUSTMENT,
};

/**
 * Metadata keys under which the backoffice records the staff member behind a
 * movement it asked the ledger for: `staff_id` on a direct refund, `maker_id`
 * on one carried out after approval (the maker asked; the checker only
 * agreed). The ledger keeps no initiator of its own on a transaction.
 */
const INITIATOR_KEYS = ["staff_id", "maker_id"] as const;

function typeOf(kind: TransactionKind): TransactionType {
  return TYPES[kind] ?? TransactionType.UNSPECIFIED;
}

function signed(amount: Money | undefined, sign: 1n | -1n): Money | undefined {
  return amount && create(MoneySchema, { amountMinor: sign * amount.amountMinor, currency: amount.currency });
}

function sidesOf(posting: LedgerPosting): Posting[] {
  return [
    create(PostingSchema, { accountId: posting.sourceAccountId, amount: signed(posting.amount, -1n) }),
    create(PostingSchema, { accountId: posting.destinationAccountId, amount: signed(posting.amount, 1n) }),
  ];
}

/**
 * Staff read a movement as "amount from A to B" plus the double entry
 * behind it, where the ledger only has postings (one per transaction today),
 * so the headline comes from the first posting and every posting is shown as
 * its debit and its credit.
 *
 * Every ledger transaction is posted: holds are separate objects that
 * become a HOLD_CAPTURE transaction only once money moves, so PENDING and
 * VOIDED never come from here. The refunded total is not part of a
 * transaction but of GetTransaction's answer, hence the second argument.
 */
export function transactionPb(tx: LedgerTransaction, refundedAmount?: Money): Transaction {
  const first = tx.postings[0];
  return create(TransactionSchema, {
    id: tx.id,
    type: typeOf(tx.kind),
    status: TransactionStatus.POSTED,
    amount: first?.amount,
    sourceAccountId: first?.sourceAccountId ?? "",
    destinationAccountId: first?.destinationAccountId ?? "",
    description: tx.description,
    originalTransactionId: tx.originalTransactionId,
    refundedAmount,
    initiatedBy: INITIATOR_KEYS.map((key) => tx.metadata[key]).find((id) => id !== undefined && id !== "") ?? "",
    metadata: { ...tx.metadata },
    postings: tx.postings.flatMap(sidesOf),
    createdAt: tx.createdAt,
  });
}

const SIGNS: Record<EntryDirection, 1n | -1n> = {
  [EntryDirection.UNSPECIFIED]: 1n,
  [EntryDirection.DEBIT]: -1n,
  [EntryDirection.CREDIT]: 1n,
};

/**
 * The backoffice shows the direction in the amount's sign (money leaving is
 * negative) where the ledger sends a positive amount and a direction.
 *
 * A statement entry has no id of its own: its `sequence` names it within the
 * account's history (strictly increasing, never reused), and a listing is
 * always of one account, so that number is the entry id.
 */
export function accountEntryPb(entry: StatementEntry): AccountEntry {
  return create(AccountEntrySchema, {
    entryId: entry.sequence.toString(),
    transactionId: entry.transactionId,
    type: typeOf(entry.transactionKind),
    amount: signed(entry.amount, SIGNS[entry.direction] ?? 1n),
    balanceAfter: entry.balanceAfter,
    counterpartyAccountId: entry.counterpartyAccountId,
    description: entry.description,
    postedAt: entry.postedAt,
  });
}

// ------------------------------------------------------------- risk alerts

const ALERT_STATUSES: Record<RiskAlertStatus, AlertStatus> = {
  [RiskAlertStatus.UNSPECIFIED]: AlertStatus.UNSPECIFIED,
  [RiskAlertStatus.OPEN]: AlertStatus.OPEN,
  [RiskAlertStatus.ACKNOWLEDGED]: AlertStatus.ACKNOWLEDGED,
  [RiskAlertStatus.RESOLVED]: AlertStatus.RESOLVED,
};

/** The backoffice's top severity already means "review now": risk's CRITICAL lands there. */
const SEVERITIES: Record<RiskAlertSeverity, AlertSeverity> = {
  [RiskAlertSeverity.UNSPECIFIED]: AlertSeverity.UNSPECIFIED,
  [RiskAlertSeverity.LOW]: AlertSeverity.LOW,
  [RiskAlertSeverity.MEDIUM]: AlertSeverity.MEDIUM,
  [RiskAlertSeverity.HIGH]: AlertSeverity.HIGH,
  [RiskAlertSeverity.CRITICAL]: AlertSeverity.HIGH,
};

/** Risk's catch-all OTHER ("see the note") is what staff call accepting the risk. */
const RESOLUTIONS: Record<RiskAlertResolution, AlertResolution> = {
  [RiskAlertResolution.UNSPECIFIED]: AlertResolution.UNSPECIFIED,
  [RiskAlertResolution.FALSE_POSITIVE]: AlertResolution.FALSE_POSITIVE,
  [RiskAlertResolution.CONFIRMED_FRAUD]: AlertResolution.CONFIRMED_FRAUD,
  [RiskAlertResolution.OTHER]: AlertResolution.ACCEPTED_RISK,
};

const RISK_ALERT_STATUSES: Record<AlertStatus, RiskAlertStatus> = {
  [AlertStatus.UNSPECIFIED]: RiskAlertStatus.UNSPECIFIED,
  [AlertStatus.OPEN]: RiskAlertStatus.OPEN,
  [AlertStatus.ACKNOWLEDGED]: RiskAlertStatus.ACKNOWLEDGED,
  [AlertStatus.RESOLVED]: RiskAlertStatus.RESOLVED,
};

const RISK_SEVERITIES: Record<AlertSeverity, RiskAlertSeverity> = {
  [AlertSeverity.UNSPECIFIED]: RiskAlertSeverity.UNSPECIFIED,
  [AlertSeverity.LOW]: RiskAlertSeverity.LOW,
  [AlertSeverity.MEDIUM]: RiskAlertSeverity.MEDIUM,
  [AlertSeverity.HIGH]: RiskAlertSeverity.HIGH,
};

const RISK_RESOLUTIONS: Record<AlertResolution, RiskAlertResolution> = {
  [AlertResolution.UNSPECIFIED]: RiskAlertResolution.UNSPECIFIED,
  [AlertResolution.FALSE_POSITIVE]: RiskAlertResolution.FALSE_POSITIVE,
  [AlertResolution.CONFIRMED_FRAUD]: RiskAlertResolution.CONFIRMED_FRAUD,
  [AlertResolution.ACCEPTED_RISK]: RiskAlertResolution.OTHER,
};

/**
 * An alert as analysts see it. Risk may name several rules; the backoffice
 * has room for one, the first. Risk keeps no score on an alert (scores
 * belong to the scoring answer), so `score` stays 0.
 */
export function riskAlertPb(alert: RiskAlertMessage): RiskAlert {
  return create(RiskAlertSchema, {
    id: alert.id,
    status: ALERT_STATUSES[alert.status] ?? AlertStatus.UNSPECIFIED,
    severity: SEVERITIES[alert.severity] ?? AlertSeverity.UNSPECIFIED,
    ruleId: alert.ruleIds[0] ?? "",
    summary: alert.title,
    userId: alert.userId,
    accountId: alert.accountId,
    transactionId: alert.transactionId,
    amount: alert.amount,
    createdAt: alert.createdAt,
    acknowledgedBy: alert.acknowledgedBy,
    acknowledgedAt: alert.acknowledgedAt,
    resolvedBy: alert.resolvedBy,
    resolvedAt: alert.resolvedAt,
    resolution: RESOLUTIONS[alert.resolution] ?? AlertResolution.UNSPECIFIED,
    resolutionNote: alert.resolutionNote,
  });
}

/** A staff filter in risk's terms; UNSPECIFIED (any) stays any. */
export function riskAlertStatusOf(status: AlertStatus): RiskAlertStatus {
  return RISK_ALERT_STATUSES[status] ?? RiskAlertStatus.UNSPECIFIED;
}

/**
 * A staff severity in risk's terms. Risk filters on one exact severity, so
 * HIGH asks for HIGH alone, not CRITICAL (which staff also see as HIGH).
 */
export function riskSeverityOf(severity: AlertSeverity): RiskAlertSeverity {
  return RISK_SEVERITIES[severity] ?? RiskAlertSeverity.UNSPECIFIED;
}

/** A staff resolution in risk's terms, so that ResolveRiskAlert can pass it on. */
export function riskResolutionOf(resolution: AlertResolution): RiskAlertResolution {
  return RISK_RESOLUTIONS[resolution] ?? RiskAlertResolution.UNSPECIFIED;
}

// --------------------------------------------------------------- integrity

function mismatchOf(d: BalanceDiscrepancy): IntegrityMismatch {
  return create(IntegrityMismatchSchema, { accountId: d.accountId, stored: d.storedPosted, recomputed: d.recomputedPosted });
}

/**
 * The backoffice's verdict on the ledger's own check. `ok` is the ledger's
 * notion of clean: no discrepant account and no currency whose postings fail
 * to sum to zero. Staff's mismatch shows the posted balance only, so an
 * account whose held amount alone is wrong is still listed, with equal
 * posted amounts; and the ledger names unbalanced currencies, not
 * transactions, so `unbalanced_transaction_ids` stays empty and only `ok`
 * says so.
 */
export function integrityPb(res: VerifyIntegrityResponse): VerifyLedgerIntegrityResponse {
  return create(VerifyLedgerIntegrityResponseSchema, {
    ok: res.discrepancies.length === 0 && res.unbalancedCurrencies.length === 0,
    accountsChecked: res.accountsChecked,
    mismatches: res.discrepancies.map(mismatchOf),
    checkedAt: res.checkedAt,
  });
}
