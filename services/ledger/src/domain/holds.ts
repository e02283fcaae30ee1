import { LedgerError } from "./ledger-error.js";
import { assertPositiveAmount } from "./money.js";

/** Where a hold is in its life (HoldStatus without its prefix). */
export type HoldStatus = "PENDING" | "PARTIALLY_CAPTURED" | "CAPTURED" | "VOIDED" | "EXPIRED";

/** Default time a hold lives before expiry, and the longest allowed. */
export const DEFAULT_HOLD_TTL_MS = 7 * 24 * 3_600_000;
export const MAX_HOLD_TTL_MS = 30 * 24 * 3_600_000;

/** Money reserved on an account for a later capture. */
export interface Hold {
  readonly id: string;
  readonly accountId: string;
  readonly destinationAccountId: string;
  readonly currency: string;
  readonly amount: bigint;
  readonly captured: bigint;
  readonly status: HoldStatus;
  readonly description: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly expiresAt: Date;
  readonly createdAt: Date;
  readonly closedAt: Date | null;
}

/** True while money is still reserved (PENDING, PARTIALLY_CAPTURED). */
export function isOpen(hold: Pick<Hold, "status">): boolean {
  return hold.status === "PENDING" || hold.status === "PARTIALLY_CAPTURED";
}

/** The uncaptured remainder of a hold. */
export function remaining(hold: Pick<Hold, "amount" | "captured">): bigint {
  return hold.amount - hold.captured;
}

function assertOpen(hold: Hold): void {
  if (!isOpen(hold)) {
    throw new LedgerError("HOLD_NOT_PENDING", `hold ${hold.id} is ${hold.status}`, { hold_id: hold.id, status: hold.status });
  }
}

/** What a capture does to a hold. */
export interface CapturePlan {
  /** Moved from the account to the destination. */
  readonly amount: bigint;
  /** Released back to available because the capture closes the hold. */
  readonly released: bigint;
  readonly captured: bigint;
  readonly status: HoldStatus;
  readonly closes: boolean;
  /** Change of the account's held amount: minus what is moved and released. */
  readonly heldDelta: bigint;
}

/**
 * Captures `requested` (default: the whole remainder). A capture that takes
 * the remainder, or is marked final, closes the hold as CAPTURED and releases
 * what is left. Errors: HOLD_NOT_PENDING, CAPTURE_EXCEEDS_HOLD, NON_POSITIVE_AMOUNT.
 */
export function planCapture(hold: Hold, requested: bigint | undefined, final: boolean): CapturePlan {
  assertOpen(hold);
  const left = remaining(hold);
  const amount = requested ?? left;
  if (requested !== undefined) assertPositiveAmount(requested, "amount.amount_minor");
  if (amount > left) {
    throw new LedgerError("CAPTURE_EXCEEDS_HOLD", `hold ${hold.id} has ${left} left to capture, asked for ${amount}`, {
      hold_id: hold.id,
      remaining_minor: left.toString(),
    });
  }
  const captured = hold.captured + amount;
  const leftAfter = hold.amount - captured;
  const closes = final || leftAfter === 0n;
  const released = closes ? leftAfter : 0n;
  return {
    amount,
    released,
    captured,
    status: closes ? "CAPTURED" : "PARTIALLY_CAPTURED",
    closes,
    heldDelta: -(amount + released),
  };
}

/** Releases an open hold's remainder (VoidHold, expiry). Errors: HOLD_NOT_PENDING. */
export function planRelease(hold: Hold, status: "VOIDED" | "EXPIRED"): { released: bigint; status: HoldStatus } {
  assertOpen(hold);
  return { released: remaining(hold), status };
}

/** The expiry of a hold authorized at `now` with an optional TTL. Errors: INVALID_FIELD. */
export function holdExpiry(now: Date, ttlMs: number | undefined): Date {
  const ttl = ttlMs ?? DEFAULT_HOLD_TTL_MS;
  if (ttl <= 0 || ttl > MAX_HOLD_TTL_MS) {
    throw new LedgerError("INVALID_FIELD", "ttl: must be positive and at most 30 days", { field: "ttl" });
  }
  return new Date(now.getTime() + ttl);
}
