/**
 * A posted movement as the risk consumer sees it, and what it adds to the
 * velocity windows scoring reads.
 */
import type { ScoreInput } from "./evaluate.js";

/** Who asked for a movement; absent on system-initiated ones. */
export interface MovementInitiator {
  readonly userId: string;
  /** Empty when unknown. */
  readonly deviceId: string;
  /** Empty when unknown. */
  readonly ipAddress: string;
}

/** A posted movement as the consumer sees it. */
export interface PostedMovement {
  readonly kind: "TRANSFER" | "WITHDRAWAL" | "TOP_UP";
  readonly transactionId: string;
  readonly userId: string;
  readonly accountId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  /** The ledger posted it although risk answered REVIEW. */
  readonly underReview: boolean;
  /** The reference risk scored it under; empty or absent when it was not scored. */
  readonly riskReference?: string;
  readonly initiator?: MovementInitiator;
  /** The credited account of a transfer. */
  readonly toAccountId?: string;
  /** When it was posted, as the event says; absent when the event does not say. */
  readonly postedAt?: Date;
}

/**
 * A posted movement as one velocity entry: the scored movement's fields,
 * with counterparty in scoring's form ("account:<id>") so both fill one memory.
 */
export interface VelocityEntry extends Omit<ScoreInput, "transactionKind"> {
  /** The scored reference, so a scored movement counts once; else the transaction id. */
  readonly reference: string;
  readonly at: Date;
}

/**
 * The velocity entry of a posted movement: transfers and withdrawals only
 * (scoring does not see top-ups and refunds either), for the debited
 * wallet's owner (else the initiator), at its posting time (else `now`).
 * Undefined when no user can be named.
 */
export function velocityEntryOf(movement: PostedMovement, now: Date): VelocityEntry | undefined {
  if (movement.kind !== "TRANSFER" && movement.kind !== "WITHDRAWAL") return undefined;
  const userId = movement.userId || movement.initiator?.userId || "";
  if (userId === "") return undefined;
  return {
    reference: movement.riskReference || movement.transactionId,
    userId,
    deviceId: movement.initiator?.deviceId ?? "",
    ipAddress: movement.initiator?.ipAddress ?? "",
    currency: movement.currency,
    amountMinor: movement.amountMinor,
    counterparty: movement.toAccountId ? `account:${movement.toAccountId}` : undefined,
    at: movement.postedAt ?? now,
  };
}
