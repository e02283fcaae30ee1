/**
 * What the ledger does with risk's answer about a user-initiated movement.
 * Pure: the scorer (risk/risk-scorer.ts) turns the RPC into a verdict, this
 * turns the verdict into a clearance or a refusal.
 */
import { LedgerError } from "./ledger-error.js";

/** Risk's answer, or the fact that there was none. */
export type RiskVerdict =
  | {
      readonly kind: "assessed";
      readonly decision: "ALLOW" | "REVIEW" | "STEP_UP" | "DENY";
      readonly assessmentId: string;
      readonly ruleIds: readonly string[];
      /** For STEP_UP: how recent the second factor must be. */
      readonly stepUpMaxAgeMs?: number;
    }
  | { readonly kind: "unavailable"; readonly cause: string };

/** Permission to post, and what the posting must say about risk. */
export interface RiskClearance {
  /** Risk answered REVIEW: post, flag the movement, let the consumer raise an alert. */
  readonly underReview: boolean;
  /** The reference risk scored under; empty when the movement went unscored (fail-open). */
  readonly reference: string;
  /** The assessment behind the clearance; empty when unscored. */
  readonly assessmentId: string;
}

/** The configured answer to "risk is unreachable". */
export interface RiskOutagePolicy {
  /**
   * Movements strictly below this many minor units go ahead unscored (fail
   * open); at or above it they are refused with RISK_UNAVAILABLE (fail closed).
   * 0 fails closed for everything.
   */
  readonly failOpenBelowMinor: bigint;
  /** Step-up freshness when risk gave none. */
  readonly defaultStepUpMaxAgeMs: number;
}

/** The movement being cleared. */
export interface MovementToClear {
  readonly amountMinor: bigint;
  readonly currency: string;
  /** The reference it was scored under (derived from the idempotency key). */
  readonly reference: string;
  /** When the user last proved a second factor (RiskContext.second_factor_at). */
  readonly secondFactorAt?: Date;
  readonly now: Date;
}

/**
 * ALLOW clears; REVIEW clears under review; STEP_UP clears only when the
 * second factor is fresh enough, else STEP_UP_REQUIRED; DENY is RISK_DENIED.
 * No answer follows the outage policy.
 */
export function clearMovement(verdict: RiskVerdict, movement: MovementToClear, policy: RiskOutagePolicy): RiskClearance {
  if (verdict.kind === "unavailable") {
    if (movement.amountMinor < policy.failOpenBelowMinor) return { underReview: false, reference: "", assessmentId: "" };
    throw new LedgerError(
      "RISK_UNAVAILABLE",
      `risk scoring is unavailable and ${movement.amountMinor} ${movement.currency} is at or above the fail-open limit; retry later with the same idempotency key`,
      { fail_open_below_minor: policy.failOpenBelowMinor.toString() },
    );
  }
  const cleared = { reference: movement.reference, assessmentId: verdict.assessmentId };
  switch (verdict.decision) {
    case "ALLOW":
      return { ...cleared, underReview: false };
    case "REVIEW":
      return { ...cleared, underReview: true };
    case "STEP_UP": {
      const maxAgeMs = verdict.stepUpMaxAgeMs ?? policy.defaultStepUpMaxAgeMs;
      const proven = movement.secondFactorAt;
      if (proven && movement.now.getTime() - proven.getTime() <= maxAgeMs && proven.getTime() <= movement.now.getTime() + 60_000) {
        return { ...cleared, underReview: false };
      }
      throw new LedgerError("STEP_UP_REQUIRED", "this movement needs a recent second factor: step up and retry with the same idempotency key", {
        max_age_seconds: String(Math.floor(maxAgeMs / 1000)),
        acr_values: "mfa",
        assessment_id: verdict.assessmentId,
      });
    }
    case "DENY":
      throw new LedgerError("RISK_DENIED", "risk scoring refused this movement", {
        rule_ids: verdict.ruleIds.join(","),
        assessment_id: verdict.assessmentId,
      });
  }
}
