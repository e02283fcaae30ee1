/** Approval requests: list, get, approve, reject, cancel. */
import type { ServiceImpl } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { fetchLimit, takePage } from "#platform/pagination/index.js";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { approve, cancel, reject } from "../approvals.service.js";
import { callAuditOf } from "../audit.service.js";
import type { BackofficeDeps } from "../context.js";
import { getApproval, listApprovals } from "../storage/approvals.repository.js";
import { readPage } from "./operations-handlers.js";
import { approvalPb, approvalStatusFilter } from "./records-to-proto.js";
import { backofficeRefusal, requiredId, requiredText } from "./refusals.js";
import { staffOf } from "./staff-gate.js";
import { actingAs } from "./upstream-call.js";

type Impl = ServiceImpl<typeof BackofficeService>;

export function approvalHandlers(deps: BackofficeDeps): Pick<
  Impl,
  "listApprovalRequests" | "getApprovalRequest" | "approveApprovalRequest" | "rejectApprovalRequest" | "cancelApprovalRequest"
> {
  return {
    async listApprovalRequests(req) {
      if (req.makerId) requiredId(req.makerId, "maker_id");
      const { limit, after } = readPage(req.page, (f) =>
        typeof f.t === "string" && typeof f.i === "string" && !Number.isNaN(Date.parse(f.t)) ? { createdAt: new Date(f.t), id: f.i } : undefined,
      );
      const now = deps.clock();
      const rows = await listApprovals(
        deps.db,
        { status: approvalStatusFilter(req.status), action: req.action, makerId: req.makerId, targetId: req.targetId },
        { limit: fetchLimit(limit), ...(after ? { after } : {}) },
        now,
      );
      const page = takePage(rows, limit, (last) => ({ t: last.createdAt.toISOString(), i: last.id }));
      return { approvalRequests: page.items.map((a) => approvalPb(a, now)), page: { nextPageToken: page.nextPageToken } };
    },
    async getApprovalRequest(req) {
      const id = requiredId(req.approvalId, "approval_id");
      const approval = await getApproval(deps.db, id);
      if (!approval) throw backofficeRefusal("APPROVAL_NOT_FOUND", `no approval request ${id}`, Code.NotFound, { approval_id: id });
      return { approvalRequest: approvalPb(approval, deps.clock()) };
    },
    async approveApprovalRequest(req, ctx) {
      const checkerId = staffOf(ctx).id;
      const approved = await approve(deps, callAuditOf(ctx), {
        id: requiredId(req.approvalId, "approval_id"),
        checkerId,
        note: req.note.trim().slice(0, 2_000),
        expectedDigest: req.expectedDigest.trim().toLowerCase(),
        call: actingAs(deps, ctx, checkerId),
      });
      return { approvalRequest: approvalPb(approved, deps.clock()) };
    },
    async rejectApprovalRequest(req, ctx) {
      const id = requiredId(req.approvalId, "approval_id");
      const reason = requiredText(req.reason, "reason");
      const rejected = await reject(deps, callAuditOf(ctx), { id, checkerId: staffOf(ctx).id, reason });
      return { approvalRequest: approvalPb(rejected, deps.clock()) };
    },
    async cancelApprovalRequest(req, ctx) {
      const id = requiredId(req.approvalId, "approval_id");
      const reason = requiredText(req.reason, "reason");
      const cancelled = await cancel(deps, callAuditOf(ctx), { id, makerId: staffOf(ctx).id, reason });
      return { approvalRequest: approvalPb(cancelled, deps.clock()) };
    },
  };
}
