/** Risk alerts, notifications and the audit log. */
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { createPageParser, fetchLimit, takePage } from "#platform/pagination/index.js";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { AlertResolution } from "#gen/wallet/backoffice/v1/risk_alert_pb.js";
import { Channel } from "#gen/wallet/notification/v1/notification_pb.js";
import type { BackofficeDeps } from "../context.js";
import { listAuditEntries } from "../storage/audit-log.repository.js";
import { auditEntryPb, outcomeFilter } from "./records-to-proto.js";
import { invalidField, requiredId, requiredText } from "./refusals.js";
import { staffOf } from "./staff-gate.js";
import { riskAlertPb, riskAlertStatusOf, riskResolutionOf, riskSeverityOf } from "./to-proto.js";
import { actingAs } from "./upstream-call.js";

type Impl = ServiceImpl<typeof BackofficeService>;

/** Pages of the backoffice's own lists: 50 by default, at most 200. */
export const readPage = createPageParser({ limits: { default: 50, max: 200 }, invalid: () => invalidField("page.page_token", "is not a token of this list") });

const timeOf = (t: { seconds: bigint; nanos: number } | undefined) => (t ? new Date(Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6)) : undefined);

export function operationsHandlers(deps: BackofficeDeps): Pick<
  Impl,
  | "listRiskAlerts"
  | "getRiskAlert"
  | "acknowledgeRiskAlert"
  | "resolveRiskAlert"
  | "listAuditLog"
  | "sendTestNotification"
  | "listNotificationDeadLetters"
  | "replayNotificationDeadLetters"
> {
  const call = (ctx: HandlerContext) => actingAs(deps, ctx, staffOf(ctx).id);
  return {
    async listRiskAlerts(req, ctx) {
      if (req.userId) requiredId(req.userId, "user_id");
      // Risk filters on one severity and no rule; "at least" and the rule are applied to each page here
      // (a page may then hold fewer alerts than asked, the next page token still goes on).
      const res = await deps.risk.listAlerts({ status: riskAlertStatusOf(req.status), userId: req.userId, timeRange: req.timeRange, page: req.page }, call(ctx));
      const minimum = riskSeverityOf(req.minSeverity);
      const alerts = res.alerts
        .filter((a) => a.severity >= minimum)
        .filter((a) => (req.ruleId ? a.ruleIds.includes(req.ruleId) : true))
        .map(riskAlertPb);
      return { alerts, page: res.page };
    },
    async getRiskAlert(req, ctx) {
      const res = await deps.risk.getAlert({ alertId: requiredId(req.alertId, "alert_id") }, call(ctx));
      return { alert: riskAlertPb(res.alert!) };
    },
    async acknowledgeRiskAlert(req, ctx) {
      const res = await deps.risk.acknowledgeAlert({ alertId: requiredId(req.alertId, "alert_id") }, call(ctx));
      return { alert: riskAlertPb(res.alert!) };
    },
    async resolveRiskAlert(req, ctx) {
      const alertId = requiredId(req.alertId, "alert_id");
      if (req.resolution === AlertResolution.UNSPECIFIED || AlertResolution[req.resolution] === undefined) throw invalidField("resolution", "is required");
      const note = requiredText(req.note, "note");
      const res = await deps.risk.resolveAlert({ alertId, resolution: riskResolutionOf(req.resolution), note }, call(ctx));
      return { alert: riskAlertPb(res.alert!) };
    },
    async listAuditLog(req) {
      const { limit, after } = readPage(req.page, (fields) => (typeof fields.p === "string" && /^\d+$/.test(fields.p) ? BigInt(fields.p) : undefined));
      if (req.afterPosition < 0n) throw invalidField("after_position", "must not be negative");
      const following = req.afterPosition > 0n;
      const rows = await listAuditEntries(
        deps.db,
        {
          actorId: req.actorId,
          action: req.action,
          targetType: req.targetType,
          targetId: req.targetId,
          outcome: outcomeFilter(req.outcome),
          from: timeOf(req.timeRange?.startTime),
          to: timeOf(req.timeRange?.endTime),
        },
        following ? { limit: fetchLimit(limit), after: after ?? req.afterPosition } : { limit: fetchLimit(limit), ...(after !== undefined ? { before: after } : {}) },
      );
      const page = takePage(rows, limit, (last) => ({ p: last.position.toString() }));
      return { entries: page.items.map(auditEntryPb), page: { nextPageToken: page.nextPageToken } };
    },
    async sendTestNotification(req, ctx) {
      const userId = requiredId(req.userId, "user_id");
      if (req.channel === Channel.UNSPECIFIED || Channel[req.channel] === undefined) throw invalidField("channel", "is required");
      requiredText(req.reason, "reason");
      const res = await deps.notification.sendTestNotification({ userId, channel: req.channel, actorId: staffOf(ctx).id }, call(ctx));
      return { notification: res.notification };
    },
    async listNotificationDeadLetters(req, ctx) {
      const res = await deps.notification.listDeadLetters({ channel: req.channel, page: req.page }, call(ctx));
      return { deadLetters: res.deadLetters, page: res.page };
    },
    async replayNotificationDeadLetters(req, ctx) {
      requiredText(req.reason, "reason");
      if (req.limit < 0) throw invalidField("limit", "must not be negative");
      const limit = req.limit === 0 ? 200 : Math.min(req.limit, 1_000);
      const res = await deps.notification.replayDeadLetters({ limit, channel: req.channel }, call(ctx));
      return { replayed: res.replayed, remaining: res.remaining };
    },
  };
}
