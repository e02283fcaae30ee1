import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { PageResponseSchema } from "#gen/wallet/common/v1/pagination_pb.js";
import {
  AcknowledgeAlertResponseSchema,
  AddBlocklistEntryResponseSchema,
  GetAlertResponseSchema,
  ListAlertsResponseSchema,
  ListDeadLettersResponseSchema,
  ReplayDeadLettersResponseSchema,
  ResolveAlertResponseSchema,
  DeleteRuleResponseSchema,
  ListBlocklistEntriesResponseSchema,
  ListRulesResponseSchema,
  RemoveBlocklistEntryResponseSchema,
  RiskService,
  ScoreTransactionResponseSchema,
  UpsertRuleResponseSchema,
} from "#gen/wallet/risk/v1/risk_service_pb.js";
import { BlocklistKind as BlocklistKindPb } from "#gen/wallet/risk/v1/blocklist_pb.js";
import { DeadLetterStatus as DeadLetterStatusPb } from "#gen/wallet/risk/v1/dead_letter_pb.js";
import { mapErrors } from "#platform/errors/index.js";
import { internalCallerKey } from "#platform/internal-auth/index.js";
import { fetchLimit, takePage } from "#platform/pagination/index.js";
import type { RiskDeps } from "../context.js";
import { defaultRiskConsumerConfig } from "../consumer-config.js";
import { replayRiskDeadLetters } from "../dead-letters.js";
import { RISK_CONSUMER_NAME } from "../event-handler.js";
import { acknowledge, resolve } from "../domain/alert.js";
import { validateBlocklistValue } from "../domain/blocklist.js";
import { invalidField } from "../domain/risk-error.js";
import { validateRule } from "../domain/rules.js";
import { scoreTransaction } from "../scoring.service.js";
import { getAlert, listAlerts, updateAlert } from "../storage/alerts.repository.js";
import { countPendingDeadLetters, listDeadLetters, type DeadLetterStatus } from "../storage/dead-letters.repository.js";
import { addBlocklistEntry, listBlocklistEntries, removeBlocklistEntry } from "../storage/blocklist.repository.js";
import { deleteRule, listRules, upsertRule } from "../storage/rules.repository.js";
import { toConnectError } from "./connect-errors.js";
import {
  createdCursor,
  createdToken,
  deadLetterCursor,
  idToken,
  parseAlertResolution,
  parseAlertSeverityFilter,
  parseAlertStatusFilter,
  parseBlocklistKind, parseMoney, parsePage, parseRule, parseRuleKindFilter, parseTime, parseTransactionKind,
  ruleCursor,
  UUID,
} from "./parse.js";
import { alertPb, blocklistEntryPb, deadLetterPb, decisionPb, reasonPb, rulePb } from "./to-proto.js";

/** ReplayDeadLetters' default and largest batch. */
const DEFAULT_REPLAY_LIMIT = 200;
const MAX_REPLAY_LIMIT = 1_000;

/** The acting staff user (the forwarded subject), else the calling service. */
function actor(ctx: HandlerContext): string {
  const caller = ctx.values.get(internalCallerKey);
  return caller?.subject ?? caller?.callerId ?? "";
}

/**
 * The RiskService implementation: scoring (for the ledger), rules, the
 * blocklist, alerts and the event consumer's dead letters (for backoffice);
 * the mesh's call graph (`platform/mesh/call-graph.ts`) refuses other callers.
 * Refusals become gRPC errors in `mapErrors`.
 */
export function createRiskHandlers(deps: RiskDeps): Partial<ServiceImpl<typeof RiskService>> {
  const impl: Partial<ServiceImpl<typeof RiskService>> = {
    async scoreTransaction(req) {
      if (req.userId === "") throw invalidField("user_id", "is required");
      const amount = parseMoney(req.amount, "amount");
      const counterparty =
        req.counterparty.case === "counterpartyAccountId"
          ? `account:${req.counterparty.value}`
          : req.counterparty.case === "counterpartyUserId"
            ? `user:${req.counterparty.value}`
            : undefined;
      const scored = await scoreTransaction(
        deps,
        {
          userId: req.userId,
          deviceId: req.deviceId,
          ipAddress: req.ipAddress,
          transactionKind: parseTransactionKind(req.transactionKind),
          amountMinor: amount.amountMinor,
          currency: amount.currency,
          counterparty: counterparty && counterparty.endsWith(":") ? undefined : counterparty,
        },
        req.referenceId,
      );
      return create(ScoreTransactionResponseSchema, {
        decision: decisionPb(scored.decision),
        score: scored.score,
        reasons: scored.reasons.map(reasonPb),
        stepUpMaxAge: scored.decision === "STEP_UP" ? durationFromMs(deps.config.stepUpMaxAgeMs) : undefined,
        assessmentId: scored.assessmentId,
      });
    },

    async listAlerts(req) {
      const { limit, after } = parsePage(req.page, createdCursor);
      const alerts = await listAlerts(deps.db, {
        status: parseAlertStatusFilter(req.status),
        severity: parseAlertSeverityFilter(req.severity),
        userId: req.userId === "" ? undefined : req.userId,
        from: parseTime(req.timeRange?.startTime),
        to: parseTime(req.timeRange?.endTime),
        after,
        limit: fetchLimit(limit),
      });
      const page = takePage(alerts, limit, createdToken);
      return create(ListAlertsResponseSchema, {
        alerts: page.items.map(alertPb),
        page: create(PageResponseSchema, { nextPageToken: page.nextPageToken }),
      });
    },

    async getAlert(req) {
      if (!UUID.test(req.alertId)) throw invalidField("alert_id", "must be a UUID");
      return create(GetAlertResponseSchema, { alert: alertPb(await getAlert(deps.db, req.alertId)) });
    },

    async acknowledgeAlert(req, ctx) {
      if (!UUID.test(req.alertId)) throw invalidField("alert_id", "must be a UUID");
      const by = actor(ctx);
      const alert = await updateAlert(deps.db, req.alertId, (current) => acknowledge(current, by, deps.clock()));
      return create(AcknowledgeAlertResponseSchema, { alert: alertPb(alert) });
    },

    async resolveAlert(req, ctx) {
      if (!UUID.test(req.alertId)) throw invalidField("alert_id", "must be a UUID");
      const resolution = parseAlertResolution(req.resolution);
      const by = actor(ctx);
      const alert = await updateAlert(deps.db, req.alertId, (current) => resolve(current, resolution, req.note, by, deps.clock()));
      return create(ResolveAlertResponseSchema, { alert: alertPb(alert) });
    },

    async listDeadLetters(req) {
      const { limit, after } = parsePage(req.page, deadLetterCursor);
      if (DeadLetterStatusPb[req.status] === undefined) throw invalidField("status", "unknown status");
      const letters = await listDeadLetters(deps.db, {
        consumer: RISK_CONSUMER_NAME,
        status: req.status === DeadLetterStatusPb.UNSPECIFIED ? undefined : (DeadLetterStatusPb[req.status] as DeadLetterStatus),
        afterId: after,
        limit: fetchLimit(limit),
      });
      const page = takePage(letters, limit, idToken);
      const queue = deps.deadLetterReplay?.queue ?? defaultRiskConsumerConfig.RISK_CONSUMER_QUEUE;
      return create(ListDeadLettersResponseSchema, {
        deadLetters: page.items.map((letter) => deadLetterPb(letter, queue)),
        page: create(PageResponseSchema, { nextPageToken: page.nextPageToken }),
      });
    },

    async replayDeadLetters(req) {
      if (req.limit < 0) throw invalidField("limit", "must not be negative");
      const limit = Math.min(req.limit === 0 ? DEFAULT_REPLAY_LIMIT : req.limit, MAX_REPLAY_LIMIT);
      req.deadLetterIds.forEach((id, i) => {
        if (!/^\d{1,19}$/.test(id)) throw invalidField(`dead_letter_ids[${i}]`, "is not a dead letter id");
      });
      const target = deps.deadLetterReplay;
      if (!target) throw new ConnectError("dead-letter replay is not configured on this replica", Code.FailedPrecondition);
      const replayed = await replayRiskDeadLetters(deps.db, { ...target, limit, ids: req.deadLetterIds });
      // A replayed event is handled asynchronously by the consumer: one that fails again comes
      // back as a new FAILED_AGAIN dead letter, so `failed` is always 0 here.
      return create(ReplayDeadLettersResponseSchema, { replayed, failed: 0, remaining: await countPendingDeadLetters(deps.db, RISK_CONSUMER_NAME) });
    },

    async listRules(req) {
      const { limit, after } = parsePage(req.page, ruleCursor);
      const rules = await listRules(deps.db, { kind: parseRuleKindFilter(req.kind), enabledOnly: req.enabledOnly, afterId: after, limit: fetchLimit(limit) });
      const page = takePage(rules, limit, idToken);
      return create(ListRulesResponseSchema, {
        rules: page.items.map(rulePb),
        page: create(PageResponseSchema, { nextPageToken: page.nextPageToken }),
      });
    },

    async upsertRule(req) {
      const rule = validateRule(parseRule(req.rule));
      const stored = await upsertRule(deps.db, rule, req.expectedVersion, deps.clock());
      await deps.rules.refresh();
      return create(UpsertRuleResponseSchema, { rule: rulePb(stored) });
    },

    async deleteRule(req) {
      if (req.ruleId === "") throw invalidField("rule_id", "is required");
      await deleteRule(deps.db, req.ruleId);
      await deps.rules.refresh();
      return create(DeleteRuleResponseSchema, {});
    },

    async addBlocklistEntry(req, ctx) {
      const kind = parseBlocklistKind(req.kind);
      const value = validateBlocklistValue(kind, req.value);
      const reason = req.reason.trim();
      if (reason === "" || reason.length > 500) throw invalidField("reason", "is required, up to 500 characters");
      const entry = await addBlocklistEntry(deps.db, { kind, value, reason, expiresAt: parseTime(req.expiresAt), createdBy: actor(ctx), now: deps.clock() });
      await deps.rules.refresh();
      return create(AddBlocklistEntryResponseSchema, { entry: blocklistEntryPb(entry) });
    },

    async removeBlocklistEntry(req) {
      if (!UUID.test(req.entryId)) throw invalidField("entry_id", "must be a UUID");
      await removeBlocklistEntry(deps.db, req.entryId);
      await deps.rules.refresh();
      return create(RemoveBlocklistEntryResponseSchema, {});
    },

    async listBlocklistEntries(req) {
      const { limit, after } = parsePage(req.page, createdCursor);
      const entries = await listBlocklistEntries(deps.db, {
        kind: req.kind === BlocklistKindPb.UNSPECIFIED ? undefined : parseBlocklistKind(req.kind),
        value: req.value === "" ? undefined : req.value,
        includeExpired: req.includeExpired,
        now: deps.clock(),
        after,
        limit: fetchLimit(limit),
      });
      const page = takePage(entries, limit, createdToken);
      return create(ListBlocklistEntriesResponseSchema, {
        entries: page.items.map(blocklistEntryPb),
        page: create(PageResponseSchema, { nextPageToken: page.nextPageToken }),
      });
    },
  };
  return mapErrors(impl, toConnectError);
}
