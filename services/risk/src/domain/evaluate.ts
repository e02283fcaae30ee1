import { DECISION_SEVERITY, MAX_SCORE, structuringFloor, type Decision, type Rule, type RuleScope, type TransactionKind, type VelocityWindowMs } from "./rules.js";

/** The movement being scored, as domain values. */
export interface ScoreInput {
  readonly userId: string;
  /** Empty when unknown. */
  readonly deviceId: string;
  /** Empty when unknown. */
  readonly ipAddress: string;
  readonly transactionKind: TransactionKind;
  readonly amountMinor: bigint;
  readonly currency: string;
  /** The receiving account or user; undefined for withdrawals to outside. */
  readonly counterparty?: string;
}

/** Count and sum (minor units) of movements in one window, this movement included. */
export interface WindowTotals {
  readonly count: number;
  readonly sumMinor: bigint;
}

/** What the stores observed about the movement's context; gathered before evaluation. */
export interface ObservedFacts {
  /** Per scope (absent when the request has no value for it), the totals of each kept window in the movement's currency. */
  readonly velocity: Partial<Record<RuleScope, Readonly<Record<VelocityWindowMs, WindowTotals>>>>;
  /** Per STRUCTURING rule id: movements in its window and scope within its band, this one included. */
  readonly structuringCounts: ReadonlyMap<string, number>;
  /** Whether this is the user's first movement to the counterparty; undefined without one. */
  readonly counterpartyIsNew?: boolean;
  /** When the device was first seen; undefined without a device. */
  readonly deviceFirstSeenAt?: Date;
  /** Per scope, the reason of a blocklist entry matching the request's value. */
  readonly blocked: Partial<Record<RuleScope, string>>;
  /** The evaluation instant. */
  readonly now: Date;
}

/** Why one rule matched. */
export interface MatchedReason {
  readonly ruleId: string;
  readonly message: string;
  readonly decision: Decision;
  readonly score: number;
}

/** The assessment: the most severe decision, the capped score and one reason per matched rule. */
export interface Assessment {
  readonly decision: Decision;
  readonly score: number;
  readonly reasons: readonly MatchedReason[];
}

/** Words for windows and scopes in reasons. */
const WINDOW_WORDS: Record<VelocityWindowMs, string> = { 60_000: "1 minute", 3_600_000: "1 hour", 86_400_000: "24 hours" };
const SCOPE_WORDS: Record<RuleScope, string> = { USER: "this user", DEVICE: "this device", IP: "this IP address" };

/** "12345.67 EUR" from minor units (two decimals). */
export function formatMoney(minor: bigint, currency: string): string {
  const sign = minor < 0n ? "-" : "";
  const abs = minor < 0n ? -minor : minor;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")} ${currency}`;
}

/** Whether a rule applies to this movement at all (enabled, currency, transaction kind). */
function applies(rule: Rule, input: ScoreInput): boolean {
  if (!rule.enabled) return false;
  if (rule.currency !== "" && rule.currency !== input.currency) return false;
  if (rule.transactionKinds.length > 0 && !rule.transactionKinds.includes(input.transactionKind)) return false;
  return true;
}

/** The sentence of a matched rule, or undefined when the rule does not match. */
function check(rule: Rule, input: ScoreInput, facts: ObservedFacts): string | undefined {
  const amount = formatMoney(input.amountMinor, input.currency);
  const threshold = rule.thresholdMinor ?? 0n;
  switch (rule.kind) {
    case "AMOUNT_THRESHOLD":
      return input.amountMinor >= threshold ? `Amount ${amount} at or above ${formatMoney(threshold, rule.currency)}` : undefined;
    case "VELOCITY_COUNT": {
      const totals = facts.velocity[rule.scope!]?.[rule.windowMs!];
      if (!totals || totals.count <= (rule.thresholdCount ?? 0)) return undefined;
      return `${totals.count} movements in ${WINDOW_WORDS[rule.windowMs!]} from ${SCOPE_WORDS[rule.scope!]} (limit ${rule.thresholdCount})`;
    }
    case "VELOCITY_SUM": {
      const totals = facts.velocity[rule.scope!]?.[rule.windowMs!];
      if (!totals || totals.sumMinor <= threshold) return undefined;
      return `${formatMoney(totals.sumMinor, input.currency)} moved in ${WINDOW_WORDS[rule.windowMs!]} from ${SCOPE_WORDS[rule.scope!]} (limit ${formatMoney(threshold, rule.currency)})`;
    }
    case "NEW_COUNTERPARTY":
      if (facts.counterpartyIsNew !== true || input.amountMinor < threshold) return undefined;
      return threshold === 0n ? `First movement to this counterparty` : `First movement to this counterparty, ${amount} (at or above ${formatMoney(threshold, rule.currency)})`;
    case "NEW_DEVICE_LARGE_AMOUNT": {
      const firstSeen = facts.deviceFirstSeenAt;
      if (!firstSeen || facts.now.getTime() - firstSeen.getTime() >= (rule.deviceAgeMs ?? 0)) return undefined;
      if (input.amountMinor < threshold) return undefined;
      const hours = Math.round((rule.deviceAgeMs ?? 0) / 3_600_000);
      return `Device first seen within ${hours} h moving ${amount} (at or above ${formatMoney(threshold, rule.currency)})`;
    }
    case "STRUCTURING": {
      const floor = structuringFloor(threshold, rule.marginBps ?? 0);
      if (input.amountMinor < floor || input.amountMinor >= threshold) return undefined;
      const count = facts.structuringCounts.get(rule.id) ?? 0;
      if (count < (rule.thresholdCount ?? 0)) return undefined;
      return `${count} movements just under ${formatMoney(threshold, rule.currency)} in ${WINDOW_WORDS[rule.windowMs!]} from ${SCOPE_WORDS[rule.scope!]} (limit ${rule.thresholdCount})`;
    }
    case "BLOCKLIST": {
      const reason = facts.blocked[rule.scope!];
      return reason === undefined ? undefined : `${SCOPE_WORDS[rule.scope!][0]!.toUpperCase()}${SCOPE_WORDS[rule.scope!].slice(1)} is blocklisted: ${reason}`;
    }
  }
}

/**
 * Evaluates the rules against a movement and the observed facts: every
 * applicable rule that matches gives a reason (in rule order); the decision is
 * the most severe among them (ALLOW when none), the score their sum capped at
 * 1000. Pure: no I/O, no clock (facts.now).
 */
export function evaluateRules(rules: readonly Rule[], input: ScoreInput, facts: ObservedFacts): Assessment {
  const reasons: MatchedReason[] = [];
  let decision: Decision = "ALLOW";
  let score = 0;
  for (const rule of rules) {
    if (!applies(rule, input)) continue;
    const message = check(rule, input, facts);
    if (message === undefined) continue;
    reasons.push({ ruleId: rule.id, message, decision: rule.decision, score: rule.score });
    if (DECISION_SEVERITY[rule.decision] > DECISION_SEVERITY[decision]) decision = rule.decision;
    score += rule.score;
  }
  return { decision, score: Math.min(score, MAX_SCORE), reasons };
}
