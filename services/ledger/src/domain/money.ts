import { invalidField, LedgerError } from "./ledger-error.js";

/** Largest int64: no amount or balance may exceed it. */
export const MAX_INT64 = 9_223_372_036_854_775_807n;

/** An exact amount: integer minor units of an ISO-4217 currency. */
export interface Money {
  readonly amountMinor: bigint;
  readonly currency: string;
}

const CURRENCY = /^[A-Z]{3}$/;

/** True for an ISO-4217 alphabetic code in upper case ("EUR"). */
export function isCurrencyCode(value: string): boolean {
  return CURRENCY.test(value);
}

/** Refuses anything but three upper-case letters (INVALID_FIELD naming `field`). */
export function assertCurrency(value: string, field: string): string {
  if (!isCurrencyCode(value)) throw invalidField(field, `must be an ISO-4217 code of three upper-case letters, got "${value}"`);
  return value;
}

/** Refuses zero and negative amounts (NON_POSITIVE_AMOUNT) and amounts over int64. */
export function assertPositiveAmount(amountMinor: bigint, field: string): bigint {
  if (amountMinor <= 0n) {
    throw new LedgerError("NON_POSITIVE_AMOUNT", `${field}: the amount must be positive, got ${amountMinor}`, { field });
  }
  if (amountMinor > MAX_INT64) throw invalidField(field, "exceeds the largest int64");
  return amountMinor;
}

/** Validates a requested money value: positive amount, well-formed currency. */
export function assertMoney(money: Money | undefined, field: string): Money {
  if (!money) throw invalidField(field, "is required");
  assertCurrency(money.currency, `${field}.currency`);
  assertPositiveAmount(money.amountMinor, `${field}.amount_minor`);
  return money;
}
