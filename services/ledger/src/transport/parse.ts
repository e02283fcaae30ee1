/** Request fields as domain values: each refusal names the field (INVALID_ARGUMENT). */
import { durationMs } from "@bufbuild/protobuf/wkt";
import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Money as MoneyPb } from "#gen/wallet/common/v1/money_pb.js";
import { AccountKind, AccountStatus } from "#gen/wallet/ledger/v1/account_pb.js";
import { AdjustmentReason, EntryDirection } from "#gen/wallet/ledger/v1/transaction_pb.js";
import { createPageParser, type PageTokenFields } from "#platform/pagination/index.js";
import type { AccountKind as Kind, AccountStatus as Status } from "../domain/accounts.js";
import type { AdjustmentDirection, AdjustmentReasonCode } from "../domain/adjustments.js";
import { invalidField, LedgerError } from "../domain/ledger-error.js";
import { assertMoney, type Money } from "../domain/money.js";
import { assertUuid } from "../domain/text-fields.js";

/** Printable ASCII, 1 to 255 characters. */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/** Refuses a missing (IDEMPOTENCY_KEY_MISSING) or malformed (INVALID_FIELD) idempotency key. */
export function parseIdempotencyKey(key: string): string {
  if (key === "") {
    throw new LedgerError("IDEMPOTENCY_KEY_MISSING", "idempotency_key: is required on every write", { field: "idempotency_key" });
  }
  if (!IDEMPOTENCY_KEY.test(key)) throw invalidField("idempotency_key", "must be 1 to 255 printable ASCII characters");
  return key;
}

/** A required account, transaction or hold id. */
export const parseId = assertUuid;

/** An optional id: empty means "not given". */
export function parseOptionalId(value: string, field: string): string | undefined {
  return value === "" ? undefined : assertUuid(value, field);
}

/** A required Money field. */
export function parseMoney(value: MoneyPb | undefined, field: string): Money {
  return assertMoney(value ? { amountMinor: value.amountMinor, currency: value.currency } : undefined, field);
}

/** An optional Money field (unset means "everything"). */
export function parseOptionalMoney(value: MoneyPb | undefined, field: string): Money | undefined {
  return value === undefined ? undefined : parseMoney(value, field);
}

/** A required account kind. */
export function parseKind(value: AccountKind, field: string): Kind {
  if (value === AccountKind.UNSPECIFIED || AccountKind[value] === undefined) throw invalidField(field, "is required");
  return AccountKind[value] as Kind;
}

/** An optional kind filter. */
export function parseKindFilter(value: AccountKind): Kind | undefined {
  return value === AccountKind.UNSPECIFIED ? undefined : parseKind(value, "kind");
}

/** An optional status filter. */
export function parseStatusFilter(value: AccountStatus): Status | undefined {
  if (value === AccountStatus.UNSPECIFIED) return undefined;
  if (AccountStatus[value] === undefined) throw invalidField("status", "unknown status");
  return AccountStatus[value] as Status;
}

/** A required entry direction (CREDIT or DEBIT). */
export function parseDirection(value: EntryDirection, field: string): AdjustmentDirection {
  if (value === EntryDirection.CREDIT) return "CREDIT";
  if (value === EntryDirection.DEBIT) return "DEBIT";
  throw invalidField(field, "must be CREDIT or DEBIT");
}

/** A required adjustment reason code. */
export function parseAdjustmentReason(value: AdjustmentReason, field: string): AdjustmentReasonCode {
  if (value === AdjustmentReason.UNSPECIFIED || AdjustmentReason[value] === undefined) throw invalidField(field, "is required");
  return AdjustmentReason[value] as AdjustmentReasonCode;
}

/** A Timestamp as a Date, or undefined when unset. */
export function parseTime(value: Timestamp | undefined): Date | undefined {
  return value === undefined ? undefined : timestampDate(value);
}

/** A Duration in milliseconds, or undefined when unset. */
export function parseDuration(value: Duration | undefined): number | undefined {
  return value === undefined ? undefined : durationMs(value);
}

/**
 * A list request's page size (20 by default, at most 100) and, past the first
 * page, the cursor its token holds: INVALID_FIELD "page.page_token" when the
 * token is not one the list returned.
 */
export const parsePage = createPageParser({
  limits: { default: 20, max: 100 },
  invalid: () => invalidField("page.page_token", "is not a token this list returned"),
});

/** Where a page of accounts ended: creation time (ms) and id, the list's order. */
export interface AccountCursor {
  readonly createdAt: Date;
  readonly id: string;
}

/** ListAccounts' cursor as token fields (`c`, `i`: the format tokens already in use carry). */
export function accountToken(account: AccountCursor): PageTokenFields {
  return { c: account.createdAt.getTime(), i: account.id };
}

/** ListAccounts' cursor from token fields, or undefined when they are not its own. */
export function accountCursor(fields: Readonly<Record<string, unknown>>): AccountCursor | undefined {
  return typeof fields.c === "number" && typeof fields.i === "string" ? { createdAt: new Date(fields.c), id: fields.i } : undefined;
}
