/** Users and staff: search, detail, lock and unlock, sessions, MFA reset, staff accounts and roles. */
import { Code, type HandlerContext } from "@connectrpc/connect";
import type { ServiceImpl } from "@connectrpc/connect";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { ReasonCode } from "#gen/wallet/backoffice/v1/approval_pb.js";
import { Role, UserKind } from "#gen/wallet/identity/v1/user_pb.js";
import { callAuditOf } from "../audit.service.js";
import type { BackofficeDeps } from "../context.js";
import { backofficeRefusal, invalidField, requiredId, requiredText } from "./refusals.js";
import { staffOf } from "./staff-gate.js";
import { requestApproval } from "./staff-writes.js";
import { accountPb } from "./to-proto.js";
import { actingAs } from "./upstream-call.js";

type Impl = ServiceImpl<typeof BackofficeService>;

const selfActionForbidden = (what: string) => backofficeRefusal("SELF_ACTION_FORBIDDEN", `staff may not ${what} themselves`, Code.PermissionDenied);

/** A reason code for an action that waits for approval: required. */
export function requiredReasonCode(code: ReasonCode): ReasonCode {
  if (code === ReasonCode.UNSPECIFIED || ReasonCode[code] === undefined) throw invalidField("reason_code", "is required for an action that needs approval");
  return code;
}

/** A role to grant or revoke: one the contract defines. */
function requiredRole(role: Role): Role {
  if (role === Role.UNSPECIFIED || Role[role] === undefined) throw invalidField("role", "must be one of the staff roles");
  return role;
}

export function usersHandlers(deps: BackofficeDeps): Pick<
  Impl,
  "searchUsers" | "getUser" | "lockUser" | "unlockUser" | "revokeUserSessions" | "resetUserMfa" | "listStaff" | "createStaff" | "grantRole" | "revokeRole"
> {
  const call = (ctx: HandlerContext) => actingAs(deps, ctx, staffOf(ctx).id);
  return {
    async searchUsers(req, ctx) {
      if (req.query.trim().length < 3) throw invalidField("query", "needs at least 3 characters");
      const res = await deps.identity.searchUsers({ query: req.query.trim(), status: req.status, page: req.page }, call(ctx));
      return { users: res.users, page: res.page };
    },
    async getUser(req, ctx) {
      const userId = requiredId(req.userId, "user_id");
      const [detail, accounts] = await Promise.all([
        deps.identity.getUser({ userId }, call(ctx)),
        deps.ledger.listAccounts({ ownerUserId: userId, page: { pageSize: 100, pageToken: "" } }, call(ctx)),
      ]);
      return {
        user: detail.user,
        accounts: accounts.accounts.map((a) => accountPb(a.account!, a.balance)),
        devices: detail.devices,
        sessions: detail.sessions,
      };
    },
    async lockUser(req, ctx) {
      const userId = requiredId(req.userId, "user_id");
      const reason = requiredText(req.reason, "reason");
      if (userId === staffOf(ctx).id) throw selfActionForbidden("lock");
      const res = await deps.identity.lockUser({ userId, reason, actorId: staffOf(ctx).id }, call(ctx));
      return { user: res.user, revokedSessions: res.revokedSessions };
    },
    async unlockUser(req, ctx) {
      const userId = requiredId(req.userId, "user_id");
      const reason = requiredText(req.reason, "reason");
      const res = await deps.identity.unlockUser({ userId, reason, actorId: staffOf(ctx).id }, call(ctx));
      return { user: res.user };
    },
    async revokeUserSessions(req, ctx) {
      const userId = requiredId(req.userId, "user_id");
      const reason = requiredText(req.reason, "reason");
      const res = await deps.identity.revokeUserSessions({ userId, reason, actorId: staffOf(ctx).id }, call(ctx));
      return { revokedSessions: res.revokedSessions };
    },
    async resetUserMfa(req, ctx) {
      const userId = requiredId(req.userId, "user_id");
      const justification = requiredText(req.reason, "reason");
      const reasonCode = requiredReasonCode(req.reasonCode);
      const staff = staffOf(ctx);
      if (userId === staff.id) throw selfActionForbidden("reset the MFA of");
      await deps.identity.getUser({ userId }, call(ctx));
      const approvalRequest = await requestApproval(deps, ctx, {
        action: "ResetUserMfa",
        targetType: "user",
        targetId: userId,
        request: { ...req, userId, reason: justification },
        reasonCode,
        justification,
        ticketReference: req.ticketReference.trim(),
      });
      return { approvalRequest };
    },
    async listStaff(req, ctx) {
      const res = await deps.identity.listStaffUsers({ role: req.role, page: req.page }, call(ctx));
      return { staff: res.users, page: res.page };
    },
    async createStaff(req, ctx) {
      const reason = requiredText(req.reason, "reason");
      const displayName = requiredText(req.displayName, "display_name", 200);
      if (req.roles.length === 0) throw invalidField("roles", "at least one role is required");
      req.roles.forEach(requiredRole);
      const res = await deps.identity.createStaffUser({ email: req.email, displayName, roles: req.roles, actorId: staffOf(ctx).id }, call(ctx));
      const audit = callAuditOf(ctx);
      audit.targetId = res.user?.id ?? "";
      audit.reason = reason;
      return { staff: res.user };
    },
    async grantRole(req, ctx) {
      const userId = requiredId(req.userId, "user_id");
      const role = requiredRole(req.role);
      const justification = requiredText(req.reason, "reason");
      const reasonCode = requiredReasonCode(req.reasonCode);
      const staff = staffOf(ctx);
      if (userId === staff.id) throw selfActionForbidden("change the roles of");
      const { user } = await deps.identity.getUser({ userId }, call(ctx));
      if (user?.kind !== UserKind.STAFF) throw invalidField("user_id", "is not a staff user");
      if (user.roles.includes(role)) return { staff: user };
      const approvalRequest = await requestApproval(deps, ctx, {
        action: "GrantRole",
        targetType: "staff",
        targetId: userId,
        request: { ...req, userId, reason: justification },
        reasonCode,
        justification,
        ticketReference: req.ticketReference.trim(),
      });
      return { approvalRequest };
    },
    async revokeRole(req, ctx) {
      const userId = requiredId(req.userId, "user_id");
      const role = requiredRole(req.role);
      requiredText(req.reason, "reason");
      const staff = staffOf(ctx);
      if (userId === staff.id) throw selfActionForbidden("change the roles of");
      const { user } = await deps.identity.getUser({ userId }, call(ctx));
      if (user?.kind !== UserKind.STAFF) throw invalidField("user_id", "is not a staff user");
      if (!user.roles.includes(role)) return { staff: user };
      const res = await deps.identity.setStaffRoles({ userId, roles: user.roles.filter((r) => r !== role), actorId: staff.id }, call(ctx));
      return { staff: res.user };
    },
  };
}
