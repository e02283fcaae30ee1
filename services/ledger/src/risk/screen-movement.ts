import { createHash } from "node:crypto";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { RiskContext } from "#gen/wallet/ledger/v1/risk_context_pb.js";
import { TransactionKind } from "#gen/wallet/risk/v1/scoring_pb.js";
import { clearMovement, type RiskClearance, type RiskOutagePolicy } from "../domain/risk-clearance.js";
import type { Money } from "../domain/money.js";
import type { RiskScorer } from "./risk-scorer.js";

/** Risk scoring as the ledger is configured to do it. */
export interface RiskScreening {
  readonly scorer: RiskScorer;
  readonly policy: RiskOutagePolicy;
}

/** A user-initiated movement about to be posted. */
export interface MovementToScreen {
  readonly kind: "TRANSFER" | "WITHDRAWAL";
  readonly sourceAccountId: string;
  readonly counterpartyAccountId?: string;
  readonly amount: Money;
  readonly riskContext: RiskContext;
  /** The idempotency call's scope and key: the scoring reference is derived from them. */
  readonly scope: string;
  readonly idempotencyKey: string;
}

/**
 * The reference risk scores an attempt under: the same (caller scope, key)
 * always gives the same reference, so a retry after a step-up is the same
 * attempt to risk (one velocity count, the same assessment), and two users'
 * equal keys never meet. Hashed so risk never sees the raw key.
 */
export function scoringReference(scope: string, idempotencyKey: string): string {
  return createHash("sha256").update(scope).update("\0").update(idempotencyKey).digest("base64url");
}

/** Scores the movement and clears it, or throws the refusal (RISK_DENIED, STEP_UP_REQUIRED, RISK_UNAVAILABLE). */
export async function screenMovement(screening: RiskScreening, movement: MovementToScreen, now: Date): Promise<RiskClearance> {
  const context = movement.riskContext;
  const reference = scoringReference(movement.scope, movement.idempotencyKey);
  const verdict = await screening.scorer.score({
    userId: context.userId,
    deviceId: context.deviceId,
    ipAddress: context.ipAddress,
    channel: context.channel,
    transactionKind: movement.kind === "TRANSFER" ? TransactionKind.TRANSFER : TransactionKind.WITHDRAWAL,
    amount: { amountMinor: movement.amount.amountMinor, currency: movement.amount.currency },
    sourceAccountId: movement.sourceAccountId,
    counterparty: movement.counterpartyAccountId ? { case: "counterpartyAccountId", value: movement.counterpartyAccountId } : { case: undefined },
    referenceId: reference,
  });
  return clearMovement(
    verdict,
    {
      amountMinor: movement.amount.amountMinor,
      currency: movement.amount.currency,
      reference,
      secondFactorAt: context.secondFactorAt ? timestampDate(context.secondFactorAt) : undefined,
      now,
    },
    screening.policy,
  );
}
