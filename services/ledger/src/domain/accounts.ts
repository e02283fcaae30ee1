import { LedgerError } from "./ledger-error.js";
import type { Money } from "./money.js";

/** What an account is for (AccountKind without its prefix). */
export type AccountKind = "USER_WALLET" | "SYSTEM_FUNDING" | "SYSTEM_FEES" | "SYSTEM_SETTLEMENT" | "SYSTEM_REFUNDS" | "SYSTEM_ADJUSTMENTS";
/** Whether an account accepts movements. */
export type AccountStatus = "ACTIVE" | "FROZEN" | "CLOSED";

/** Every account kind, in enum order. */
export const accountKinds: readonly AccountKind[] = [
  "USER_WALLET",
  "SYSTEM_FUNDING",
  "SYSTEM_FEES",
  "SYSTEM_SETTLEMENT",
  "SYSTEM_REFUNDS",
  "SYSTEM_ADJUSTMENTS",
];

/** A ledger account. */
export interface Account {
  readonly id: string;
  /** The owning user of a USER_WALLET; null for system accounts. */
  readonly ownerUserId: string | null;
  readonly kind: AccountKind;
  readonly currency: string;
  readonly status: AccountStatus;
  readonly allowNegative: boolean;
  readonly label: string;
  readonly createdAt: Date;
  readonly statusChangedAt: Date;
  readonly statusReason: string;
}

/** An account's money state: the only ledger state that is ever updated. */
export interface Balance {
  readonly accountId: string;
  readonly currency: string;
  readonly allowNegative: boolean;
  /** Sum of postings to minus postings from the account. */
  readonly posted: bigint;
  /** Uncaptured remainders of open holds. */
  readonly held: bigint;
  /** Grows by one with every change of posted or held. */
  readonly version: bigint;
  /** Sequence number of the account's last statement entry (0: none). */
  readonly lastEntrySequence: bigint;
  readonly updatedAt: Date;
}

/** What the owner may still spend: posted minus held. */
export function available(balance: Pick<Balance, "posted" | "held">): bigint {
  return balance.posted - balance.held;
}

/** Refuses a frozen or closed account (ACCOUNT_FROZEN, ACCOUNT_CLOSED). */
export function assertAccountActive(account: Account): void {
  if (account.status === "FROZEN") {
    throw new LedgerError("ACCOUNT_FROZEN", `account ${account.id} is frozen`, { account_id: account.id });
  }
  if (account.status === "CLOSED") {
    throw new LedgerError("ACCOUNT_CLOSED", `account ${account.id} is closed`, { account_id: account.id });
  }
}

/** Refuses an amount in another currency than the account's (CURRENCY_MISMATCH). */
export function assertSameCurrency(account: Account, amount: Money): void {
  if (account.currency !== amount.currency) {
    throw new LedgerError(
      "CURRENCY_MISMATCH",
      `account ${account.id} holds ${account.currency}, the amount is in ${amount.currency}`,
      { account_id: account.id, currency: account.currency, amount_currency: amount.currency },
    );
  }
}

/** Refuses an account whose kind cannot take part (ACCOUNT_KIND_NOT_ALLOWED). */
export function assertKind(account: Account, allowed: readonly AccountKind[], role: string): void {
  if (!allowed.includes(account.kind)) {
    throw new LedgerError(
      "ACCOUNT_KIND_NOT_ALLOWED",
      `account ${account.id} (${account.kind}) cannot be the ${role}; expected ${allowed.join(" or ")}`,
      { account_id: account.id, kind: account.kind },
    );
  }
}

/** Refuses moving money from an account to itself (SELF_TRANSFER). */
export function assertDistinctAccounts(fromId: string, toId: string): void {
  if (fromId === toId) {
    throw new LedgerError("SELF_TRANSFER", `source and destination are the same account ${fromId}`, { account_id: fromId });
  }
}

/** Checks an account may take part in a movement of `amount`: active and in its currency. */
export function assertMovable(account: Account, amount: Money): void {
  assertAccountActive(account);
  assertSameCurrency(account, amount);
}

/** The status an account moves to, or ACCOUNT_STATUS_CONFLICT / ACCOUNT_CLOSED. */
export function nextStatus(account: Account, action: "freeze" | "unfreeze" | "close", balance: Balance): AccountStatus {
  const conflict = () =>
    new LedgerError("ACCOUNT_STATUS_CONFLICT", `cannot ${action} account ${account.id}: it is ${account.status}`, {
      account_id: account.id,
      status: account.status,
    });
  if (account.status === "CLOSED") {
    if (action === "close") throw conflict();
    throw new LedgerError("ACCOUNT_CLOSED", `account ${account.id} is closed`, { account_id: account.id });
  }
  switch (action) {
    case "freeze":
      if (account.status !== "ACTIVE") throw conflict();
      return "FROZEN";
    case "unfreeze":
      if (account.status !== "FROZEN") throw conflict();
      return "ACTIVE";
    case "close":
      if (balance.posted !== 0n || balance.held !== 0n) {
        throw new LedgerError("ACCOUNT_NOT_EMPTY", `account ${account.id} has a non-zero balance or open holds`, {
          account_id: account.id,
        });
      }
      return "CLOSED";
  }
}
