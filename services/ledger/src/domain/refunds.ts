import type { JournalTransaction } from "./journal.js";
import { LedgerError } from "./ledger-error.js";
import { assertPositiveAmount } from "./money.js";

/** Kinds of transaction a refund may return money for. */
const refundableKinds = new Set(["TRANSFER", "HOLD_CAPTURE"]);

/** The single posting of a refundable transaction: who paid whom, how much. */
export interface RefundableMovement {
  readonly sourceAccountId: string;
  readonly destinationAccountId: string;
  readonly amount: bigint;
  readonly currency: string;
}

/** Refuses transactions that are not TRANSFER or HOLD_CAPTURE (NOT_REFUNDABLE); returns the movement. */
export function refundableMovement(original: JournalTransaction): RefundableMovement {
  const posting = original.postings[0];
  if (!refundableKinds.has(original.kind) || !posting || original.postings.length !== 1) {
    throw new LedgerError("NOT_REFUNDABLE", `transaction ${original.id} (${original.kind}) cannot be refunded`, {
      transaction_id: original.id,
      kind: original.kind,
    });
  }
  return posting;
}

/**
 * The amount a refund moves: the requested amount, or everything not yet
 * refunded when none is given. Refunds of one transaction never add up to more
 * than its amount (REFUND_EXCEEDS_ORIGINAL, with what is left).
 */
export function refundAmount(
  originalId: string,
  originalAmount: bigint,
  alreadyRefunded: bigint,
  requested: bigint | undefined,
): bigint {
  const refundable = originalAmount - alreadyRefunded;
  const amount = requested ?? refundable;
  if (requested !== undefined) assertPositiveAmount(requested, "amount.amount_minor");
  if (amount <= 0n || amount > refundable) {
    throw new LedgerError(
      "REFUND_EXCEEDS_ORIGINAL",
      `transaction ${originalId} has ${refundable} left to refund, asked for ${amount}`,
      { transaction_id: originalId, refundable_minor: refundable.toString() },
    );
  }
  return amount;
}
