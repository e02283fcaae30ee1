/**
 * The ledger's and risk's messages as the backoffice's own: accounts,
 * transactions, statement entries, risk alerts (and the filters going back),
 * and the integrity check.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AccountKind, AccountStatus } from "#gen/wallet/backoffice/v1/account_pb.js";
import { AlertResolution, AlertSeverity, AlertStatus } from "#gen/wallet/backoffice/v1/risk_alert_pb.js";
import { TransactionStatus, TransactionType } from "#gen/wallet/backoffice/v1/transaction_pb.js";
import { MoneySchema, type Money } from "#gen/wallet/common/v1/money_pb.js";
import {
  AccountKind as LedgerAccountKind,
  AccountSchema as LedgerAccountSchema,
  AccountStatus as LedgerAccountStatus,
  BalanceSchema,
} from "#gen/wallet/ledger/v1/account_pb.js";
import { BalanceDiscrepancySchema, VerifyIntegrityResponseSchema } from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import {
  EntryDirection,
  PostingSchema as LedgerPostingSchema,
  StatementEntrySchema,
  TransactionKind,
  TransactionSchema as LedgerTransactionSchema,
} from "#gen/wallet/ledger/v1/transaction_pb.js";
import {
  AlertResolution as RiskAlertResolution,
  AlertSchema as RiskAlertSchema,
  AlertSeverity as RiskAlertSeverity,
  AlertStatus as RiskAlertStatus,
} from "#gen/wallet/risk/v1/alert_pb.js";
import {
  accountEntryPb,
  accountPb,
  integrityPb,
  riskAlertPb,
  riskAlertStatusOf,
  riskResolutionOf,
  riskSeverityOf,
  transactionPb,
} from "../src/transport/to-proto.js";

const eur = (amountMinor: bigint): Money => create(MoneySchema, { amountMinor, currency: "EUR" });
const opened = timestampFromDate(new Date("2024-01-02T03:04:05Z"));
const changed = timestampFromDate(new Date("2024-02-03T04:05:06Z"));

/** The values of a generated enum, without TypeScript's reverse mapping. */
const valuesOf = <E extends number>(e: Record<string, string | E>): E[] => Object.values(e).filter((v): v is E => typeof v === "number");

const ledgerAccount = (init: Parameters<typeof create<typeof LedgerAccountSchema>>[1] = {}) =>
  create(LedgerAccountSchema, {
    id: "acc-1",
    ownerUserId: "user-1",
    kind: LedgerAccountKind.USER_WALLET,
    currency: "EUR",
    status: LedgerAccountStatus.ACTIVE,
    createdAt: opened,
    statusChangedAt: opened,
    ...init,
  });

const transfer = (init: Parameters<typeof create<typeof LedgerTransactionSchema>>[1] = {}) =>
  create(LedgerTransactionSchema, {
    id: "tx-1",
    kind: TransactionKind.TRANSFER,
    postings: [{ sourceAccountId: "acc-a", destinationAccountId: "acc-b", amount: eur(1250n) }],
    description: "dinner",
    metadata: { order: "o-9" },
    createdAt: opened,
    ...init,
  });

describe("accounts", () => {
  test("a user wallet becomes a user account with its posted, held and available balance", () => {
    const balance = create(BalanceSchema, { accountId: "acc-1", posted: eur(1000n), held: eur(300n), available: eur(700n) });
    const account = accountPb(ledgerAccount(), balance);
    assert.equal(account.id, "acc-1");
    assert.equal(account.kind, AccountKind.USER);
    assert.equal(account.ownerUserId, "user-1");
    assert.equal(account.systemName, "");
    assert.equal(account.currency, "EUR");
    assert.equal(account.status, AccountStatus.ACTIVE);
    assert.equal(account.posted?.amountMinor, 1000n);
    assert.equal(account.held?.amountMinor, 300n);
    assert.equal(account.available?.amountMinor, 700n);
    assert.deepEqual(account.createdAt, opened);
  });

  test("every system kind becomes a system account named after its purpose", () => {
    const names = new Map([
      [LedgerAccountKind.SYSTEM_FUNDING, "funding"],
      [LedgerAccountKind.SYSTEM_FEES, "fees"],
      [LedgerAccountKind.SYSTEM_SETTLEMENT, "settlement"],
      [LedgerAccountKind.SYSTEM_REFUNDS, "refunds"],
      [LedgerAccountKind.SYSTEM_ADJUSTMENTS, "adjustments"],
    ]);
    const systemKinds = valuesOf<LedgerAccountKind>(LedgerAccountKind).filter((k) => LedgerAccountKind[k].startsWith("SYSTEM_"));
    assert.deepEqual(systemKinds.sort(), [...names.keys()].sort());
    for (const [kind, name] of names) {
      const account = accountPb(ledgerAccount({ kind, ownerUserId: "", label: "card-acquirer-eur" }));
      assert.equal(account.kind, AccountKind.SYSTEM, LedgerAccountKind[kind]);
      assert.equal(account.systemName, name);
      assert.equal(account.ownerUserId, "");
    }
  });

  test("each ledger account status becomes the backoffice status of the same name", () => {
    for (const status of valuesOf<LedgerAccountStatus>(LedgerAccountStatus)) {
      assert.equal(AccountStatus[accountPb(ledgerAccount({ status })).status], LedgerAccountStatus[status]);
    }
  });

  test("a frozen account carries when and why it was frozen but not by whom", () => {
    const account = accountPb(ledgerAccount({ status: LedgerAccountStatus.FROZEN, statusChangedAt: changed, statusReason: "chargeback ring" }));
    assert.deepEqual(account.frozenAt, changed);
    assert.equal(account.frozenReason, "chargeback ring");
    assert.equal(account.frozenBy, "");
  });

  test("an unfrozen account shows no freeze details although the ledger keeps the unfreeze reason", () => {
    const account = accountPb(ledgerAccount({ status: LedgerAccountStatus.ACTIVE, statusChangedAt: changed, statusReason: "cleared" }));
    assert.equal(account.frozenAt, undefined);
    assert.equal(account.frozenReason, "");
  });

  test("an account given without a balance leaves its amounts unset rather than zero", () => {
    const account = accountPb(ledgerAccount());
    assert.equal(account.posted, undefined);
    assert.equal(account.held, undefined);
    assert.equal(account.available, undefined);
  });
});

describe("transactions", () => {
  test("a ledger transfer becomes a posted transaction with a debit and a credit posting", () => {
    const tx = transactionPb(transfer());
    assert.equal(tx.id, "tx-1");
    assert.equal(tx.type, TransactionType.TRANSFER);
    assert.equal(tx.status, TransactionStatus.POSTED);
    assert.equal(tx.amount?.amountMinor, 1250n);
    assert.equal(tx.amount?.currency, "EUR");
    assert.equal(tx.sourceAccountId, "acc-a");
    assert.equal(tx.destinationAccountId, "acc-b");
    assert.equal(tx.description, "dinner");
    assert.deepEqual(tx.metadata, { order: "o-9" });
    assert.deepEqual(tx.createdAt, opened);
    assert.deepEqual(
      tx.postings.map((p) => [p.accountId, p.amount?.amountMinor, p.amount?.currency]),
      [
        ["acc-a", -1250n, "EUR"],
        ["acc-b", 1250n, "EUR"],
      ],
    );
  });

  test("each ledger transaction kind becomes the backoffice type of the same name", () => {
    for (const kind of valuesOf<TransactionKind>(TransactionKind)) {
      assert.equal(TransactionType[transactionPb(transfer({ kind })).type], TransactionKind[kind]);
    }
  });

  test("a transfer carries the refunded total the ledger answered with it", () => {
    assert.equal(transactionPb(transfer(), eur(400n)).refundedAmount?.amountMinor, 400n);
    assert.equal(transactionPb(transfer()).refundedAmount, undefined);
  });

  test("a refund points at the transaction it refunds", () => {
    const tx = transactionPb(transfer({ kind: TransactionKind.REFUND, originalTransactionId: "tx-0" }));
    assert.equal(tx.type, TransactionType.REFUND);
    assert.equal(tx.originalTransactionId, "tx-0");
  });

  test("the staff member recorded in the metadata is the initiator, the maker for an approved action", () => {
    assert.equal(transactionPb(transfer({ metadata: { staff_id: "staff-1" } })).initiatedBy, "staff-1");
    assert.equal(transactionPb(transfer({ metadata: { maker_id: "staff-2", checker_id: "staff-3" } })).initiatedBy, "staff-2");
    assert.equal(transactionPb(transfer()).initiatedBy, "");
  });

  test("a transaction of several postings takes its headline from the first and lists both sides of each", () => {
    const tx = transactionPb(
      transfer({
        postings: [
          create(LedgerPostingSchema, { sourceAccountId: "acc-a", destinationAccountId: "acc-b", amount: eur(1000n) }),
          create(LedgerPostingSchema, { sourceAccountId: "acc-a", destinationAccountId: "acc-fees", amount: eur(50n) }),
        ],
      }),
    );
    assert.equal(tx.amount?.amountMinor, 1000n);
    assert.equal(tx.sourceAccountId, "acc-a");
    assert.equal(tx.destinationAccountId, "acc-b");
    assert.deepEqual(
      tx.postings.map((p) => [p.accountId, p.amount?.amountMinor]),
      [
        ["acc-a", -1000n],
        ["acc-b", 1000n],
        ["acc-a", -50n],
        ["acc-fees", 50n],
      ],
    );
    assert.equal(
      tx.postings.reduce((sum, p) => sum + (p.amount?.amountMinor ?? 0n), 0n),
      0n,
    );
  });
});

describe("statement entries", () => {
  const entry = (direction: EntryDirection) =>
    create(StatementEntrySchema, {
      transactionId: "tx-1",
      transactionKind: TransactionKind.WITHDRAWAL,
      direction,
      amount: eur(900n),
      balanceAfter: eur(100n),
      counterpartyAccountId: "acc-settlement",
      description: "to my bank",
      postedAt: opened,
      sequence: 42n,
    });

  test("a debit entry has a negative amount and a credit entry a positive one", () => {
    assert.equal(accountEntryPb(entry(EntryDirection.DEBIT)).amount?.amountMinor, -900n);
    assert.equal(accountEntryPb(entry(EntryDirection.CREDIT)).amount?.amountMinor, 900n);
  });

  test("an entry keeps the transaction, balance after, counterparty, description and time, and is named by its sequence", () => {
    const e = accountEntryPb(entry(EntryDirection.DEBIT));
    assert.equal(e.entryId, "42");
    assert.equal(e.transactionId, "tx-1");
    assert.equal(e.type, TransactionType.WITHDRAWAL);
    assert.equal(e.amount?.currency, "EUR");
    assert.equal(e.balanceAfter?.amountMinor, 100n);
    assert.equal(e.counterpartyAccountId, "acc-settlement");
    assert.equal(e.description, "to my bank");
    assert.deepEqual(e.postedAt, opened);
  });
});

describe("risk alerts", () => {
  const alert = (init: Parameters<typeof create<typeof RiskAlertSchema>>[1] = {}) =>
    create(RiskAlertSchema, {
      id: "alert-1",
      status: RiskAlertStatus.RESOLVED,
      severity: RiskAlertSeverity.MEDIUM,
      title: "Transfer of 12,000.00 EUR above 10,000.00",
      userId: "user-1",
      accountId: "acc-1",
      transactionId: "tx-1",
      amount: eur(1_200_000n),
      ruleIds: ["amount.high", "velocity.count.1h"],
      createdAt: opened,
      acknowledgedAt: changed,
      acknowledgedBy: "staff-1",
      resolvedAt: changed,
      resolvedBy: "staff-2",
      resolution: RiskAlertResolution.CONFIRMED_FRAUD,
      resolutionNote: "ring",
      ...init,
    });

  test("a risk alert keeps who, what and how it was handled, with its title as summary and its first rule", () => {
    const a = riskAlertPb(alert());
    assert.equal(a.id, "alert-1");
    assert.equal(a.status, AlertStatus.RESOLVED);
    assert.equal(a.severity, AlertSeverity.MEDIUM);
    assert.equal(a.ruleId, "amount.high");
    assert.equal(a.summary, "Transfer of 12,000.00 EUR above 10,000.00");
    assert.equal(a.userId, "user-1");
    assert.equal(a.accountId, "acc-1");
    assert.equal(a.transactionId, "tx-1");
    assert.equal(a.amount?.amountMinor, 1_200_000n);
    assert.equal(a.score, 0);
    assert.deepEqual(a.createdAt, opened);
    assert.equal(a.acknowledgedBy, "staff-1");
    assert.deepEqual(a.acknowledgedAt, changed);
    assert.equal(a.resolvedBy, "staff-2");
    assert.deepEqual(a.resolvedAt, changed);
    assert.equal(a.resolution, AlertResolution.CONFIRMED_FRAUD);
    assert.equal(a.resolutionNote, "ring");
  });

  test("an alert raised by no named rule has an empty rule id", () => {
    assert.equal(riskAlertPb(alert({ ruleIds: [] })).ruleId, "");
  });

  test("a critical alert is shown as high, the backoffice's most urgent severity", () => {
    assert.equal(riskAlertPb(alert({ severity: RiskAlertSeverity.CRITICAL })).severity, AlertSeverity.HIGH);
  });

  test("risk's other resolution is shown as accepted risk, and accepted risk is sent as other", () => {
    assert.equal(riskAlertPb(alert({ resolution: RiskAlertResolution.OTHER })).resolution, AlertResolution.ACCEPTED_RISK);
    assert.equal(riskResolutionOf(AlertResolution.ACCEPTED_RISK), RiskAlertResolution.OTHER);
  });

  test("every staff status, severity and resolution survives the trip to risk and back", () => {
    for (const status of valuesOf<AlertStatus>(AlertStatus)) {
      assert.equal(riskAlertPb(alert({ status: riskAlertStatusOf(status) })).status, status);
    }
    for (const severity of valuesOf<AlertSeverity>(AlertSeverity)) {
      assert.equal(riskAlertPb(alert({ severity: riskSeverityOf(severity) })).severity, severity);
    }
    for (const resolution of valuesOf<AlertResolution>(AlertResolution)) {
      assert.equal(riskAlertPb(alert({ resolution: riskResolutionOf(resolution) })).resolution, resolution);
    }
  });

  test("an unspecified filter stays unspecified, meaning any, in risk's terms", () => {
    assert.equal(riskAlertStatusOf(AlertStatus.UNSPECIFIED), RiskAlertStatus.UNSPECIFIED);
    assert.equal(riskSeverityOf(AlertSeverity.UNSPECIFIED), RiskAlertSeverity.UNSPECIFIED);
    assert.equal(riskResolutionOf(AlertResolution.UNSPECIFIED), RiskAlertResolution.UNSPECIFIED);
  });
});

describe("ledger integrity", () => {
  test("a clean check is ok with what it checked and when", () => {
    const res = integrityPb(create(VerifyIntegrityResponseSchema, { accountsChecked: 12n, postingsChecked: 40n, checkedAt: opened }));
    assert.equal(res.ok, true);
    assert.equal(res.accountsChecked, 12n);
    assert.deepEqual(res.mismatches, []);
    assert.deepEqual(res.unbalancedTransactionIds, []);
    assert.deepEqual(res.checkedAt, opened);
  });

  test("an account whose stored posted balance differs is a mismatch and the check is not ok", () => {
    const res = integrityPb(
      create(VerifyIntegrityResponseSchema, {
        accountsChecked: 2n,
        discrepancies: [
          create(BalanceDiscrepancySchema, { accountId: "acc-1", storedPosted: eur(500n), recomputedPosted: eur(450n), storedHeld: eur(0n), recomputedHeld: eur(0n) }),
        ],
      }),
    );
    assert.equal(res.ok, false);
    assert.deepEqual(
      res.mismatches.map((m) => [m.accountId, m.stored?.amountMinor, m.recomputed?.amountMinor]),
      [["acc-1", 500n, 450n]],
    );
  });

  test("an account whose held amount alone is wrong is still listed, with its equal posted balances", () => {
    const res = integrityPb(
      create(VerifyIntegrityResponseSchema, {
        discrepancies: [
          create(BalanceDiscrepancySchema, { accountId: "acc-1", storedPosted: eur(500n), recomputedPosted: eur(500n), storedHeld: eur(80n), recomputedHeld: eur(0n) }),
        ],
      }),
    );
    assert.equal(res.ok, false);
    assert.deepEqual(
      res.mismatches.map((m) => [m.accountId, m.stored?.amountMinor, m.recomputed?.amountMinor]),
      [["acc-1", 500n, 500n]],
    );
  });

  test("a currency whose postings do not sum to zero makes the check not ok", () => {
    const res = integrityPb(create(VerifyIntegrityResponseSchema, { unbalancedCurrencies: [eur(3n)] }));
    assert.equal(res.ok, false);
    assert.deepEqual(res.mismatches, []);
  });
});
