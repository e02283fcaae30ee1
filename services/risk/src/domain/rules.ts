import { invalidField } from "./risk-error.js";

/** What a rule checks (RuleKind without its prefix). */
export type RuleKind =
  | "AMOUNT_THRESHOLD"
  | "VELOCITY_COUNT"
  | "VELOCITY_SUM"
  | "NEW_COUNTERPARTY"
  | "NEW_DEVICE_LARGE_AMOUNT"
  | "STRUCTURING"
  | "BLOCKLIST";

/** Whose activity a rule counts. */
export type RuleScope = "USER" | "DEVICE" | "IP";

/** Risk's advice, from the mildest to the most severe. */
export type Decision = "ALLOW" | "REVIEW" | "STEP_UP" | "DENY";

/** The kind of movement being scored. */
export type TransactionKind = "UNSPECIFIED" | "TRANSFER" | "WITHDRAWAL" | "HOLD" | "TOP_UP";

/** Severity order of decisions: the highest among matched rules wins. */
export const DECISION_SEVERITY: Readonly<Record<Decision, number>> = { ALLOW: 0, REVIEW: 1, STEP_UP: 2, DENY: 3 };

/** The sliding windows kept in Redis, in milliseconds. */
export const VELOCITY_WINDOWS_MS = [60_000, 3_600_000, 86_400_000] as const;

/** One of the kept windows. */
export type VelocityWindowMs = (typeof VELOCITY_WINDOWS_MS)[number];

/** The longest kept window: the TTL of velocity state. */
export const LONGEST_WINDOW_MS = 86_400_000;

/** Largest score a rule or an assessment can have. */
export const MAX_SCORE = 1000;

/** A scoring rule as data (rule.proto); fields a kind does not use are left unset. */
export interface Rule {
  readonly id: string;
  readonly kind: RuleKind;
  readonly description: string;
  readonly scope?: RuleScope;
  readonly windowMs?: VelocityWindowMs;
  /** ISO-4217 code; empty means every currency (only for kinds without an amount threshold). */
  readonly currency: string;
  /** Threshold in minor units of `currency`. */
  readonly thresholdMinor?: bigint;
  readonly thresholdCount?: number;
  readonly marginBps?: number;
  readonly deviceAgeMs?: number;
  /** Empty: every kind. */
  readonly transactionKinds: readonly TransactionKind[];
  readonly decision: Exclude<Decision, "ALLOW"> | "ALLOW";
  readonly score: number;
  readonly enabled: boolean;
}

/** A stored rule: the rule plus its version and timestamps. */
export interface StoredRule extends Rule {
  readonly version: bigint;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Rule ids: [a-z0-9._-]{1,64}. */
const RULE_ID = /^[a-z0-9._-]{1,64}$/;
/** ISO-4217 shape. */
const CURRENCY = /^[A-Z]{3}$/;

/** Kinds that compare against `thresholdMinor` (and so need a currency). */
const AMOUNT_KINDS: ReadonlySet<RuleKind> = new Set(["AMOUNT_THRESHOLD", "VELOCITY_SUM", "NEW_COUNTERPARTY", "NEW_DEVICE_LARGE_AMOUNT", "STRUCTURING"]);
/** Kinds that need a scope. */
const SCOPED_KINDS: ReadonlySet<RuleKind> = new Set(["VELOCITY_COUNT", "VELOCITY_SUM", "STRUCTURING", "BLOCKLIST"]);
/** Kinds that need a window. */
const WINDOWED_KINDS: ReadonlySet<RuleKind> = new Set(["VELOCITY_COUNT", "VELOCITY_SUM", "STRUCTURING"]);

/**
 * Checks that a rule has what its kind needs (rule.proto's table) and drops
 * the fields its kind ignores. Throws INVALID_FIELD naming `rule.<field>`.
 */
export function validateRule(rule: Rule): Rule {
  if (!RULE_ID.test(rule.id)) throw invalidField("rule.id", "must match [a-z0-9._-]{1,64}");
  if (rule.description.length > 500) throw invalidField("rule.description", "must be at most 500 characters");
  if (!Number.isInteger(rule.score) || rule.score < 0 || rule.score > MAX_SCORE) throw invalidField("rule.score", "must be 0 to 1000");
  const amountKind = AMOUNT_KINDS.has(rule.kind);
  if (rule.currency !== "" && !CURRENCY.test(rule.currency)) throw invalidField("rule.currency", "must be an ISO-4217 code");
  if (amountKind) {
    if (rule.currency === "") throw invalidField("rule.currency", `is required for ${rule.kind}`);
    if (rule.thresholdMinor === undefined) throw invalidField("rule.threshold_amount", `is required for ${rule.kind}`);
    const zeroAllowed = rule.kind === "NEW_COUNTERPARTY";
    if (rule.thresholdMinor < 0n || (!zeroAllowed && rule.thresholdMinor === 0n)) {
      throw invalidField("rule.threshold_amount", zeroAllowed ? "must not be negative" : "must be positive");
    }
  }
  if (SCOPED_KINDS.has(rule.kind) && rule.scope === undefined) throw invalidField("rule.scope", `is required for ${rule.kind}`);
  if (WINDOWED_KINDS.has(rule.kind) && rule.windowMs === undefined) {
    throw invalidField("rule.window", "must be 1 minute, 1 hour or 24 hours");
  }
  if (rule.kind === "VELOCITY_COUNT" || rule.kind === "STRUCTURING") {
    if (rule.thresholdCount === undefined || !Number.isInteger(rule.thresholdCount) || rule.thresholdCount < 1) {
      throw invalidField("rule.threshold_count", "must be at least 1");
    }
  }
  if (rule.kind === "STRUCTURING") {
    if (rule.marginBps === undefined || rule.marginBps < 1 || rule.marginBps > 10_000) throw invalidField("rule.margin_bps", "must be 1 to 10000");
  }
  if (rule.kind === "NEW_DEVICE_LARGE_AMOUNT" && (rule.deviceAgeMs === undefined || rule.deviceAgeMs <= 0)) {
    throw invalidField("rule.device_age", "is required for NEW_DEVICE_LARGE_AMOUNT");
  }
  return {
    id: rule.id,
    kind: rule.kind,
    description: rule.description,
    scope: SCOPED_KINDS.has(rule.kind) ? rule.scope : undefined,
    windowMs: WINDOWED_KINDS.has(rule.kind) ? rule.windowMs : undefined,
    currency: rule.currency,
    thresholdMinor: amountKind ? rule.thresholdMinor : undefined,
    thresholdCount: rule.kind === "VELOCITY_COUNT" || rule.kind === "STRUCTURING" ? rule.thresholdCount : undefined,
    marginBps: rule.kind === "STRUCTURING" ? rule.marginBps : undefined,
    deviceAgeMs: rule.kind === "NEW_DEVICE_LARGE_AMOUNT" ? rule.deviceAgeMs : undefined,
    transactionKinds: [...new Set(rule.transactionKinds)],
    decision: rule.decision,
    score: rule.score,
    enabled: rule.enabled,
  };
}

/** Whether a duration (ms) is one of the kept windows. */
export function isVelocityWindow(ms: number): ms is VelocityWindowMs {
  return (VELOCITY_WINDOWS_MS as readonly number[]).includes(ms);
}

/**
 * The lower bound (inclusive, minor units) of "just under" a structuring
 * rule's threshold: threshold − threshold × margin_bps / 10 000, rounded up.
 */
export function structuringFloor(thresholdMinor: bigint, marginBps: number): bigint {
  const margin = (thresholdMinor * BigInt(marginBps)) / 10_000n;
  return thresholdMinor - margin;
}
