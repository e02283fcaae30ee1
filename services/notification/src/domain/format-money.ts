/**
 * Amounts in minor units as text for people, without floating point: the
 * bigint is split into integer and fraction by the currency's exponent and
 * handed to Intl.NumberFormat as an exact decimal string.
 */

/** An amount in minor units of an ISO-4217 currency. */
export interface MoneyValue {
  readonly amountMinor: bigint;
  readonly currency: string;
}

/** The currency's minor-unit exponent (EUR 2, JPY 0, KWD 3), from the CLDR data Intl carries. */
export function currencyExponent(currency: string): number {
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** The amount as an exact decimal string, e.g. 1234n EUR → "12.34", 1234n JPY → "1234". */
export function decimalString(money: MoneyValue): `${number}` {
  const exponent = currencyExponent(money.currency);
  const negative = money.amountMinor < 0n;
  const digits = (negative ? -money.amountMinor : money.amountMinor).toString().padStart(exponent + 1, "0");
  const integer = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? "-" : ""}${integer}${exponent > 0 ? `.${fraction}` : ""}` as `${number}`;
}

/** The amount with its currency in the locale's style, e.g. "€12.34" (en), "12,34 €" (de), "¥1,234". */
export function formatMoney(money: MoneyValue, locale: string): string {
  const exponent = currencyExponent(money.currency);
  const format = new Intl.NumberFormat(locale, {
    style: "currency",
    currency: money.currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  return format.format(decimalString(money));
}
