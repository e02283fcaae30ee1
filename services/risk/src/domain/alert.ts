/**
 * Alerts for analysts: what raises them (high-value movements and REVIEW
 * decisions seen on the event stream; token theft suspected from identity's,
 * see identity-alerts.ts) and their handling transitions,
 * OPEN -> ACKNOWLEDGED -> RESOLVED, or OPEN -> RESOLVED directly.
 */
import { RiskError, invalidField } from "./risk-error.js";
import type { PostedMovement } from "./posted-movement.js";
import type { StoredRule } from "./rules.js";

export type { PostedMovement };

export type AlertStatus = "OPEN" | "ACKNOWLEDGED" | "RESOLVED";
export type AlertSeverity = "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";
export type AlertResolution = "FALSE_POSITIVE" | "CONFIRMED_FRAUD" | "OTHER";
/** Why an alert was raised. */
export type AlertKind = "HIGH_VALUE_TRANSACTION" | "REVIEW_DECISION" | "REFRESH_TOKEN_REUSE";

/** The longest resolution note. */
export const MAX_NOTE_LENGTH = 2_000;

/** An alert as stored. */
export interface Alert {
  readonly id: string;
  readonly kind: AlertKind;
  readonly severity: AlertSeverity;
  readonly status: AlertStatus;
  readonly title: string;
  readonly userId: string;
  readonly accountId: string;
  readonly transactionId: string;
  readonly amount?: { amountMinor: bigint; currency: string };
  readonly ruleIds: readonly string[];
  readonly sourceEventId?: string;
  readonly createdAt: Date;
  readonly acknowledgedAt?: Date;
  readonly acknowledgedBy: string;
  readonly resolvedAt?: Date;
  readonly resolvedBy: string;
  readonly resolution?: AlertResolution;
  readonly resolutionNote: string;
}

/** An alert to raise (the store assigns id, status OPEN and created_at). */
export type NewAlert = Pick<Alert, "kind" | "severity" | "title" | "userId" | "accountId" | "transactionId" | "amount" | "ruleIds" | "sourceEventId">;

const KIND_LABEL: Record<PostedMovement["kind"], string> = { TRANSFER: "Transfer", WITHDRAWAL: "Withdrawal", TOP_UP: "Top-up" };

/** Minor units as "12,000.00" (two decimals). */
export function formatMinor(amountMinor: bigint): string {
  const negative = amountMinor < 0n;
  const abs = negative ? -amountMinor : amountMinor;
  const whole = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = (abs % 100n).toString().padStart(2, "0");
  return `${negative ? "-" : ""}${whole}.${cents}`;
}

/**
 * The alert a posted movement raises, if any: at or above the high-value
 * threshold (the lowest enabled AMOUNT_THRESHOLD rule for its currency, else
 * `fallbackThresholdMinor`) a HIGH_VALUE_TRANSACTION alert naming the amount
 * rules it reached (CRITICAL from ten times the threshold, else HIGH); below
 * it, a movement posted under review raises a MEDIUM REVIEW_DECISION alert.
 */
export function alertForMovement(
  movement: PostedMovement,
  rules: readonly StoredRule[],
  fallbackThresholdMinor: bigint,
  sourceEventId: string,
): NewAlert | undefined {
  const amountRules = rules.filter(
    (r) =>
      r.enabled &&
      r.kind === "AMOUNT_THRESHOLD" &&
      r.currency === movement.currency &&
      r.thresholdMinor !== undefined &&
      (r.transactionKinds.length === 0 || r.transactionKinds.includes(movement.kind)),
  );
  const threshold = amountRules.length > 0 ? amountRules.map((r) => r.thresholdMinor!).reduce((a, b) => (b < a ? b : a)) : fallbackThresholdMinor;
  const base = {
    userId: movement.userId,
    accountId: movement.accountId,
    transactionId: movement.transactionId,
    amount: { amountMinor: movement.amountMinor, currency: movement.currency },
    sourceEventId,
  };
  const label = `${KIND_LABEL[movement.kind]} of ${formatMinor(movement.amountMinor)} ${movement.currency}`;
  if (movement.amountMinor >= threshold) {
    const reached = amountRules.filter((r) => movement.amountMinor >= r.thresholdMinor!).map((r) => r.id).sort();
    return {
      ...base,
      kind: "HIGH_VALUE_TRANSACTION",
      severity: movement.amountMinor >= threshold * 10n ? "CRITICAL" : "HIGH",
      title: `${label} at or above ${formatMinor(threshold)}`,
      ruleIds: reached,
    };
  }
  if (movement.underReview) {
    return { ...base, kind: "REVIEW_DECISION", severity: "MEDIUM", title: `${label} posted under review`, ruleIds: [] };
  }
  return undefined;
}

/** The alert acknowledged by `by`; an acknowledged one is returned unchanged. Errors: ALERT_ALREADY_RESOLVED. */
export function acknowledge(alert: Alert, by: string, now: Date): Alert {
  if (alert.status === "RESOLVED") throw alreadyResolved(alert.id);
  if (alert.status === "ACKNOWLEDGED") return alert;
  return { ...alert, status: "ACKNOWLEDGED", acknowledgedAt: now, acknowledgedBy: by };
}

/** The alert resolved by `by`. Errors: INVALID_FIELD (note, resolution), ALERT_ALREADY_RESOLVED. */
export function resolve(alert: Alert, resolution: AlertResolution | undefined, note: string, by: string, now: Date): Alert {
  if (!resolution) throw invalidField("resolution", "is required");
  const trimmed = note.trim();
  if (trimmed === "" || trimmed.length > MAX_NOTE_LENGTH) throw invalidField("note", `is required, up to ${MAX_NOTE_LENGTH} characters`);
  if (alert.status === "RESOLVED") throw alreadyResolved(alert.id);
  return { ...alert, status: "RESOLVED", resolvedAt: now, resolvedBy: by, resolution, resolutionNote: trimmed };
}

const alreadyResolved = (id: string) => new RiskError("ALERT_ALREADY_RESOLVED", `alert ${id} is already resolved`, { alert_id: id });
