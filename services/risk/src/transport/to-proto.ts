import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { MoneySchema } from "#gen/wallet/common/v1/money_pb.js";
import { BlocklistEntrySchema, BlocklistKind as BlocklistKindPb } from "#gen/wallet/risk/v1/blocklist_pb.js";
import { RuleKind as RuleKindPb, RuleSchema, RuleScope as RuleScopePb } from "#gen/wallet/risk/v1/rule_pb.js";
import { Decision as DecisionPb, ReasonSchema, TransactionKind as TransactionKindPb } from "#gen/wallet/risk/v1/scoring_pb.js";
import { AlertResolution as AlertResolutionPb, AlertSchema, AlertSeverity as AlertSeverityPb, AlertStatus as AlertStatusPb } from "#gen/wallet/risk/v1/alert_pb.js";
import { DeadLetterSchema, DeadLetterStatus as DeadLetterStatusPb } from "#gen/wallet/risk/v1/dead_letter_pb.js";
import type { Alert } from "../domain/alert.js";
import type { DeadLetterView } from "../storage/dead-letters.repository.js";
import type { BlocklistEntry } from "../domain/blocklist.js";
import type { MatchedReason } from "../domain/evaluate.js";
import type { Decision, StoredRule } from "../domain/rules.js";

/** A domain decision as the proto enum. */
export const decisionPb = (decision: Decision): DecisionPb => DecisionPb[decision];

/** A stored rule as a message. */
export function rulePb(rule: StoredRule) {
  return create(RuleSchema, {
    id: rule.id,
    kind: RuleKindPb[rule.kind],
    description: rule.description,
    scope: rule.scope ? RuleScopePb[rule.scope] : RuleScopePb.UNSPECIFIED,
    window: rule.windowMs === undefined ? undefined : durationFromMs(rule.windowMs),
    currency: rule.currency,
    thresholdAmount: rule.thresholdMinor === undefined ? undefined : create(MoneySchema, { amountMinor: rule.thresholdMinor, currency: rule.currency }),
    thresholdCount: rule.thresholdCount ?? 0,
    marginBps: rule.marginBps ?? 0,
    deviceAge: rule.deviceAgeMs === undefined ? undefined : durationFromMs(rule.deviceAgeMs),
    transactionKinds: rule.transactionKinds.map((kind) => TransactionKindPb[kind]),
    decision: DecisionPb[rule.decision],
    score: rule.score,
    enabled: rule.enabled,
    version: rule.version,
    createdAt: timestampFromDate(rule.createdAt),
    updatedAt: timestampFromDate(rule.updatedAt),
  });
}

/** A blocklist entry as a message. */
export function blocklistEntryPb(entry: BlocklistEntry) {
  return create(BlocklistEntrySchema, {
    id: entry.id,
    kind: BlocklistKindPb[entry.kind],
    value: entry.value,
    reason: entry.reason,
    expiresAt: entry.expiresAt ? timestampFromDate(entry.expiresAt) : undefined,
    createdAt: timestampFromDate(entry.createdAt),
    createdBy: entry.createdBy,
  });
}

/** A matched rule as a Reason. */
export function reasonPb(reason: MatchedReason) {
  return create(ReasonSchema, { ruleId: reason.ruleId, message: reason.message, decision: decisionPb(reason.decision), score: reason.score });
}

/** A stored alert as a message. */
export function alertPb(alert: Alert) {
  return create(AlertSchema, {
    id: alert.id,
    status: AlertStatusPb[alert.status],
    severity: AlertSeverityPb[alert.severity],
    title: alert.title,
    userId: alert.userId,
    accountId: alert.accountId,
    transactionId: alert.transactionId,
    amount: alert.amount ? create(MoneySchema, alert.amount) : undefined,
    ruleIds: [...alert.ruleIds],
    sourceEventId: alert.sourceEventId ?? "",
    createdAt: timestampFromDate(alert.createdAt),
    acknowledgedAt: alert.acknowledgedAt ? timestampFromDate(alert.acknowledgedAt) : undefined,
    acknowledgedBy: alert.acknowledgedBy,
    resolvedAt: alert.resolvedAt ? timestampFromDate(alert.resolvedAt) : undefined,
    resolvedBy: alert.resolvedBy,
    resolution: alert.resolution ? AlertResolutionPb[alert.resolution] : AlertResolutionPb.UNSPECIFIED,
    resolutionNote: alert.resolutionNote,
  });
}

/** A dead letter as a message; `queue` is the consumer's work queue. */
export function deadLetterPb(letter: DeadLetterView, queue: string) {
  return create(DeadLetterSchema, {
    id: letter.id,
    eventId: letter.eventId,
    eventType: letter.eventType,
    queue,
    payload: letter.payload,
    lastError: letter.lastError,
    attempts: letter.attempts,
    deadLetteredAt: timestampFromDate(letter.deadLetteredAt),
    status: DeadLetterStatusPb[letter.status],
    replayedAt: letter.replayedAt ? timestampFromDate(letter.replayedAt) : undefined,
  });
}
