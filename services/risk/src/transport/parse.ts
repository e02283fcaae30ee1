/** Request fields as domain values: each refusal names the field (INVALID_ARGUMENT). */
import { durationMs, timestampDate, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Money as MoneyPb } from "#gen/wallet/common/v1/money_pb.js";
import { BlocklistKind as BlocklistKindPb } from "#gen/wallet/risk/v1/blocklist_pb.js";
import { RuleKind as RuleKindPb, RuleScope as RuleScopePb, type Rule as RulePb } from "#gen/wallet/risk/v1/rule_pb.js";
import { Decision as DecisionPb, TransactionKind as TransactionKindPb } from "#gen/wallet/risk/v1/scoring_pb.js";
import { AlertResolution as AlertResolutionPb, AlertSeverity as AlertSeverityPb, AlertStatus as AlertStatusPb } from "#gen/wallet/risk/v1/alert_pb.js";
import { createPageParser, type PageTokenFields } from "#platform/pagination/index.js";
import type { AlertResolution, AlertSeverity, AlertStatus } from "../domain/alert.js";
import type { BlocklistKind } from "../domain/blocklist.js";
import { invalidField } from "../domain/risk-error.js";
import { isVelocityWindow, type Decision, type Rule, type RuleKind, type RuleScope, type TransactionKind } from "../domain/rules.js";

/** UUID shape of alert and blocklist entry ids. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A list request's page size (50 by default, at most 200) and, past the first
 * page, the cursor its token holds: INVALID_FIELD "page.page_token" when the
 * token is not one the list returned.
 */
export const parsePage = createPageParser({
  limits: { default: 50, max: 200 },
  invalid: () => invalidField("page.page_token", "is not a token this list returned"),
});

/** Where a page of a newest-first list (alerts, blocklist entries) ended. */
export interface CreatedCursor {
  readonly createdAt: Date;
  readonly id: string;
}

/** A newest-first list's cursor as token fields. */
export function createdToken(row: CreatedCursor): PageTokenFields {
  return { createdAt: row.createdAt.toISOString(), id: row.id };
}

/** A newest-first list's cursor from token fields, or undefined when they are not its own. */
export function createdCursor(fields: Readonly<Record<string, unknown>>): CreatedCursor | undefined {
  if (typeof fields.createdAt !== "string" || typeof fields.id !== "string" || !UUID.test(fields.id)) return undefined;
  const createdAt = new Date(fields.createdAt);
  return Number.isNaN(createdAt.getTime()) ? undefined : { createdAt, id: fields.id };
}

/** An id-ordered list's cursor (rules, dead letters) as token fields. */
export function idToken(row: { readonly id: string }): PageTokenFields {
  return { id: row.id };
}

/** ListRules' cursor (the last rule id) from token fields. */
export function ruleCursor(fields: Readonly<Record<string, unknown>>): string | undefined {
  return typeof fields.id === "string" ? fields.id : undefined;
}

/** ListDeadLetters' cursor (the last dead letter's int8 id) from token fields. */
export function deadLetterCursor(fields: Readonly<Record<string, unknown>>): bigint | undefined {
  return typeof fields.id === "string" && /^\d{1,19}$/.test(fields.id) ? BigInt(fields.id) : undefined;
}

/** A required amount in minor units with its currency. */
export function parseMoney(value: MoneyPb | undefined, field: string): { amountMinor: bigint; currency: string } {
  if (!value) throw invalidField(field, "is required");
  if (!/^[A-Z]{3}$/.test(value.currency)) throw invalidField(`${field}.currency`, "must be an ISO-4217 code");
  if (value.amountMinor < 0n) throw invalidField(`${field}.amount_minor`, "must not be negative");
  return { amountMinor: value.amountMinor, currency: value.currency };
}

/** A transaction kind name (UNSPECIFIED allowed: rules restricted to kinds do not match it). */
export function parseTransactionKind(value: TransactionKindPb): TransactionKind {
  const name = TransactionKindPb[value];
  if (name === undefined) throw invalidField("transaction_kind", "unknown kind");
  return name as TransactionKind;
}

/** A required blocklist kind. */
export function parseBlocklistKind(value: BlocklistKindPb, field = "kind"): BlocklistKind {
  if (value === BlocklistKindPb.UNSPECIFIED || BlocklistKindPb[value] === undefined) throw invalidField(field, "is required");
  return BlocklistKindPb[value] as BlocklistKind;
}

/** An optional rule kind filter. */
export function parseRuleKindFilter(value: RuleKindPb): RuleKind | undefined {
  if (value === RuleKindPb.UNSPECIFIED) return undefined;
  if (RuleKindPb[value] === undefined) throw invalidField("kind", "unknown kind");
  return RuleKindPb[value] as RuleKind;
}

/** A Timestamp as a Date, or undefined when unset. */
export function parseTime(value: Timestamp | undefined): Date | undefined {
  return value === undefined ? undefined : timestampDate(value);
}

/** A Duration in ms, or undefined when unset. */
function parseDuration(value: Duration | undefined): number | undefined {
  return value === undefined ? undefined : durationMs(value);
}

/** A rule message as a domain rule (the domain's validateRule checks what the kind needs). */
export function parseRule(rule: RulePb | undefined): Rule {
  if (!rule) throw invalidField("rule", "is required");
  if (rule.kind === RuleKindPb.UNSPECIFIED || RuleKindPb[rule.kind] === undefined) throw invalidField("rule.kind", "is required");
  if (rule.decision === DecisionPb.UNSPECIFIED || DecisionPb[rule.decision] === undefined) throw invalidField("rule.decision", "is required");
  const windowMs = parseDuration(rule.window);
  if (windowMs !== undefined && !isVelocityWindow(windowMs)) throw invalidField("rule.window", "must be 1 minute, 1 hour or 24 hours");
  const threshold = rule.thresholdAmount;
  if (threshold && rule.currency !== "" && threshold.currency !== rule.currency) {
    throw invalidField("rule.threshold_amount.currency", "must be the rule's currency");
  }
  return {
    id: rule.id,
    kind: RuleKindPb[rule.kind] as RuleKind,
    description: rule.description,
    scope: rule.scope === RuleScopePb.UNSPECIFIED ? undefined : (RuleScopePb[rule.scope] as RuleScope | undefined),
    windowMs: windowMs as Rule["windowMs"],
    currency: rule.currency,
    thresholdMinor: threshold?.amountMinor,
    thresholdCount: rule.thresholdCount === 0 ? undefined : rule.thresholdCount,
    marginBps: rule.marginBps === 0 ? undefined : rule.marginBps,
    deviceAgeMs: parseDuration(rule.deviceAge),
    transactionKinds: rule.transactionKinds.map((kind) => parseTransactionKind(kind)),
    decision: DecisionPb[rule.decision] as Decision,
    score: rule.score,
    enabled: rule.enabled,
  };
}

/** An optional alert status filter. */
export function parseAlertStatusFilter(value: AlertStatusPb): AlertStatus | undefined {
  if (value === AlertStatusPb.UNSPECIFIED) return undefined;
  if (AlertStatusPb[value] === undefined) throw invalidField("status", "unknown status");
  return AlertStatusPb[value] as AlertStatus;
}

/** An optional alert severity filter. */
export function parseAlertSeverityFilter(value: AlertSeverityPb): AlertSeverity | undefined {
  if (value === AlertSeverityPb.UNSPECIFIED) return undefined;
  if (AlertSeverityPb[value] === undefined) throw invalidField("severity", "unknown severity");
  return AlertSeverityPb[value] as AlertSeverity;
}

/** An alert resolution; undefined when unset (the domain refuses it). */
export function parseAlertResolution(value: AlertResolutionPb): AlertResolution | undefined {
  if (value === AlertResolutionPb.UNSPECIFIED) return undefined;
  if (AlertResolutionPb[value] === undefined) throw invalidField("resolution", "unknown resolution");
  return AlertResolutionPb[value] as AlertResolution;
}
