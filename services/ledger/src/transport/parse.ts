/** Request fields as domain values: each refusal names the field (INVALID_ARGUMENT). */
import { durationMs } from "@bufbuild/protobuf/wkt";
import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Money as MoneyPb } from "#gen/wallet/common/v1/money_pb.js";
import { AccountKind, AccountStatus } from "#gen/wallet/ledger/v1/account_pb.js";
import type { AccountKind as Kind, AccountStatus as Status } from "../domain/accounts.js";
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

/** A Timestamp as a Date, or undefined when unset. */
export function parseTime(value: Timestamp | undefined): Date | undefined {
  return value === undefined ? undefined : timestampDate(value);
}

/** A Duration in milliseconds, or undefined when unset. */
export function parseDuration(value: Duration | undefined): number | undefined {
  return value === undefined ? undefined : durationMs(value);
}

/** Default and largest page sizes. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** The page size asked for, defaulted and capped. */
export function pageSize(requested: number | undefined): number {
  if (!requested || requested <= 0) return DEFAULT_PAGE_SIZE;
  return Math.min(requested, MAX_PAGE_SIZE);
}

/** Encodes a page cursor: opaque to clients. */
export function encodeToken(value: Record<string, string | number | boolean>): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** Decodes a page cursor; INVALID_FIELD "page.page_token" when it is not one of ours. */
export function decodeToken(token: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown;
    if (typeof value === "object" && value !== null) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw invalidField("page.page_token", "is not a token this list returned");
}
