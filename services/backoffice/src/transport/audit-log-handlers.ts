/** AuditLogService: the audit log in chain order, for the audit-export worker (no staff gate: a machine reader). */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { AuditLogService } from "#gen/wallet/backoffice/v1/audit_log_service_pb.js";
import type { BackofficeDeps } from "../context.js";
import { chainHead, readChain } from "../storage/audit-log.repository.js";
import { auditEntryPb } from "./records-to-proto.js";
import { invalidField } from "./refusals.js";

export function auditLogHandlers(deps: Pick<BackofficeDeps, "db">): ServiceImpl<typeof AuditLogService> {
  return {
    async readAuditLog(req) {
      if (req.afterPosition < 0n) throw invalidField("after_position", "must not be negative");
      if (req.limit < 0) throw invalidField("limit", "must not be negative");
      const limit = req.limit === 0 ? 100 : Math.min(req.limit, 1_000);
      const [entries, head] = await Promise.all([readChain(deps.db, req.afterPosition, limit), chainHead(deps.db)]);
      const oldest = entries[0];
      return {
        entries: entries.map(auditEntryPb),
        headPosition: head,
        ...(oldest ? { oldestUnreadAt: timestampFromDate(oldest.occurredAt) } : {}),
      };
    },
  };
}
