/**
 * Holds (two-phase movements): authorize, capture, void, expire. Each runs in
 * the caller's database transaction; the hold row is locked before any
 * balance row (see lockBalances for the global lock order).
 */
import { create } from "@bufbuild/protobuf";
import type { Transaction } from "kysely";
import { writeOutboxEvents } from "#platform/outbox/index.js";
import {
  HoldAuthorizedSchema,
  HoldCapturedSchema,
  HoldExpiredSchema,
  HoldVoidedSchema,
} from "#gen/wallet/events/v1/ledger_events_pb.js";
import { assertDistinctAccounts, assertKind, assertMovable, type Account, type Balance } from "./domain/accounts.js";
import { holdExpiry, planCapture, planRelease, type Hold } from "./domain/holds.js";
import { planMovement, type JournalTransaction, type Posting } from "./domain/journal.js";
import type { Money } from "./domain/money.js";
import type { Actor } from "./context.js";
import { event, initiatorOf, money, ts } from "./events.js";
import { lockAccounts } from "./lock-accounts.js";
import { findAccounts } from "./storage/accounts.repository.js";
import { insertHold, lockHold, updateHold } from "./storage/holds.repository.js";
import { lockBalances, postTransaction, saveBalances } from "./storage/journal.repository.js";
import type { LedgerDatabase } from "./storage/ledger.table.js";

type Trx = Transaction<LedgerDatabase>;

/** Kinds that may reserve or receive held money (funding accounts move money only by top-up). */
const holdKinds = ["USER_WALLET", "SYSTEM_FEES", "SYSTEM_SETTLEMENT", "SYSTEM_REFUNDS"] as const;

/** Input of {@link authorizeHold}. */
export interface AuthorizeHoldInput {
  readonly accountId: string;
  readonly destinationAccountId: string;
  readonly amount: Money;
  /** Unset: the default (7 days). */
  readonly ttlMs?: number;
  readonly description: string;
  readonly metadata: Record<string, string>;
}

/**
 * Reserves money: the account's held grows by the amount. Errors: as a
 * transfer (SELF_TRANSFER, ACCOUNT_NOT_FOUND, ACCOUNT_FROZEN, ACCOUNT_CLOSED,
 * CURRENCY_MISMATCH, INSUFFICIENT_FUNDS), INVALID_FIELD for a bad ttl.
 */
export async function authorizeHold(
  trx: Trx,
  actor: Actor,
  now: Date,
  input: AuthorizeHoldInput,
): Promise<{ hold: Hold; balance: Balance }> {
  assertDistinctAccounts(input.accountId, input.destinationAccountId);
  const expiresAt = holdExpiry(now, input.ttlMs);
  const locked = await lockAccounts(trx, [input.accountId, input.destinationAccountId]);
  const account = locked.accounts.get(input.accountId)!;
  const destination = locked.accounts.get(input.destinationAccountId)!;
  assertKind(account, holdKinds, "hold account");
  assertKind(destination, holdKinds, "hold destination");
  assertMovable(account, input.amount);
  assertMovable(destination, input.amount);
  const plan = planMovement(locked.balances, [], new Map([[account.id, input.amount.amountMinor]]));
  const hold = await insertHold(trx, {
    accountId: account.id,
    destinationAccountId: destination.id,
    currency: input.amount.currency,
    amount: input.amount.amountMinor,
    description: input.description,
    metadata: input.metadata,
    expiresAt,
    caller: actor.caller,
  });
  const [balance] = await saveBalances(trx, plan.balances, "now");
  await writeOutboxEvents(trx, "ledger", [
    event("hold", hold.id, {
      case: "holdAuthorized",
      value: create(HoldAuthorizedSchema, {
        holdId: hold.id,
        accountId: account.id,
        ownerUserId: account.ownerUserId ?? "",
        destinationAccountId: destination.id,
        amount: money(hold.amount, hold.currency),
        expiresAt: ts(hold.expiresAt),
        initiator: initiatorOf(actor.initiator),
      }),
    }),
  ]);
  return { hold, balance: balance! };
}

/** Input of {@link captureHold}. */
export interface CaptureHoldInput {
  readonly holdId: string;
  /** Unset: the whole remainder. */
  readonly amount?: Money;
  readonly finalCapture: boolean;
  /** Empty reuses the hold's description. */
  readonly description: string;
}

/**
 * Moves (part of) a hold to its destination as a HOLD_CAPTURE transaction.
 * Errors: HOLD_NOT_FOUND, HOLD_NOT_PENDING, CAPTURE_EXCEEDS_HOLD,
 * NON_POSITIVE_AMOUNT, CURRENCY_MISMATCH, ACCOUNT_FROZEN, ACCOUNT_CLOSED.
 */
export async function captureHold(
  trx: Trx,
  actor: Actor,
  input: CaptureHoldInput,
): Promise<{ hold: Hold; transaction: JournalTransaction }> {
  const hold = (await lockHold(trx, input.holdId))!;
  const plan = planCapture(hold, input.amount?.amountMinor, input.finalCapture);
  const locked = await lockAccounts(trx, [hold.accountId, hold.destinationAccountId]);
  const account = locked.accounts.get(hold.accountId)!;
  const destination = locked.accounts.get(hold.destinationAccountId)!;
  const amount: Money = { amountMinor: plan.amount, currency: input.amount?.currency ?? hold.currency };
  assertMovable(account, amount);
  assertMovable(destination, amount);
  const posting: Posting = {
    sourceAccountId: hold.accountId,
    destinationAccountId: hold.destinationAccountId,
    amount: plan.amount,
    currency: hold.currency,
  };
  const movement = planMovement(locked.balances, [posting], new Map([[hold.accountId, plan.heldDelta]]));
  const posted = await postTransaction(
    trx,
    {
      kind: "HOLD_CAPTURE",
      postings: [posting],
      description: input.description || hold.description,
      metadata: hold.metadata,
      holdId: hold.id,
      caller: actor.caller,
    },
    movement,
  );
  const updated = await updateHold(trx, hold.id, plan);
  await writeOutboxEvents(trx, "ledger", [
    event("hold", hold.id, {
      case: "holdCaptured",
      value: create(HoldCapturedSchema, {
        holdId: hold.id,
        transactionId: posted.transaction.id,
        accountId: account.id,
        ownerUserId: account.ownerUserId ?? "",
        destinationAccountId: destination.id,
        destinationUserId: destination.ownerUserId ?? "",
        amount: money(plan.amount, hold.currency),
        capturedTotal: money(plan.captured, hold.currency),
        holdClosed: plan.closes,
      }),
    }),
  ]);
  return { hold: updated, transaction: posted.transaction };
}

/**
 * Releases an open hold's remainder as VOIDED or EXPIRED and writes the
 * matching event. Errors: HOLD_NOT_FOUND, HOLD_NOT_PENDING.
 */
export async function releaseHold(
  trx: Trx,
  hold: Hold,
  status: "VOIDED" | "EXPIRED",
  reason: string,
): Promise<{ hold: Hold; balance: Balance }> {
  const release = planRelease(hold, status);
  const balances = await lockBalances(trx, [hold.accountId]);
  const plan = planMovement(balances, [], new Map([[hold.accountId, -release.released]]));
  const [balance] = await saveBalances(trx, plan.balances, "now");
  const updated = await updateHold(trx, hold.id, { captured: hold.captured, status, closes: true });
  const account = (await findAccounts(trx, [hold.accountId])).get(hold.accountId) as Account;
  const common = {
    holdId: hold.id,
    accountId: hold.accountId,
    ownerUserId: account.ownerUserId ?? "",
    releasedAmount: money(release.released, hold.currency),
  };
  await writeOutboxEvents(trx, "ledger", [
    status === "VOIDED"
      ? event("hold", hold.id, { case: "holdVoided", value: create(HoldVoidedSchema, { ...common, reason }) })
      : event("hold", hold.id, { case: "holdExpired", value: create(HoldExpiredSchema, common) }),
  ]);
  return { hold: updated, balance: balance! };
}

/** Voids a hold (VoidHold). Errors: HOLD_NOT_FOUND, HOLD_NOT_PENDING. */
export async function voidHold(trx: Trx, holdId: string, reason: string): Promise<Hold> {
  const hold = (await lockHold(trx, holdId))!;
  return (await releaseHold(trx, hold, "VOIDED", reason)).hold;
}

/**
 * Expires one hold if it is still open and due at `asOf`; returns whether it
 * did. A hold locked by another transaction (being captured, voided or
 * expired elsewhere) is skipped: the next sweep sees its new state.
 */
export async function expireHold(trx: Trx, holdId: string, asOf: Date): Promise<boolean> {
  const hold = await lockHold(trx, holdId, { skipLocked: true });
  if (!hold || (hold.status !== "PENDING" && hold.status !== "PARTIALLY_CAPTURED") || hold.expiresAt >= asOf) return false;
  await releaseHold(trx, hold, "EXPIRED", "");
  return true;
}
