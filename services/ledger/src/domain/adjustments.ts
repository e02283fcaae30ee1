/**
 * Manual balance adjustments: a staff correction of a user wallet against
 * its currency's SYSTEM_ADJUSTMENTS account, with a reason code kept on the
 * transaction.
 */
import { invalidField } from "./ledger-error.js";

/** Why staff adjusted a balance (AdjustmentReason without its prefix). */
export type AdjustmentReasonCode = "GOODWILL" | "CHARGEBACK" | "CORRECTION";

/** Which way an adjustment moves money, seen from the wallet. */
export type AdjustmentDirection = "CREDIT" | "DEBIT";

/**
 * The metadata key an ADJUSTMENT keeps its reason code under (a CHECK of
 * migration 0005 requires it); callers may not set it themselves.
 */
export const ADJUSTMENT_REASON_KEY = "adjustment_reason";

/** The transaction's metadata: the caller's, plus the reason code; INVALID_FIELD "metadata" when the caller set the reserved key. */
export function adjustmentMetadata(metadata: Readonly<Record<string, string>>, reasonCode: AdjustmentReasonCode): Record<string, string> {
  if (Object.hasOwn(metadata, ADJUSTMENT_REASON_KEY)) throw invalidField("metadata", `the key "${ADJUSTMENT_REASON_KEY}" is the ledger's own`);
  return { ...metadata, [ADJUSTMENT_REASON_KEY]: reasonCode };
}
