import type { ConnectRouter } from "@connectrpc/connect";
import { AuditLogService } from "#gen/wallet/backoffice/v1/audit_log_service_pb.js";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import type { BackofficeDeps } from "./context.js";
import { approvalHandlers } from "./transport/approval-handlers.js";
import { auditLogHandlers } from "./transport/audit-log-handlers.js";
import { moneyHandlers } from "./transport/money-handlers.js";
import { operationsHandlers } from "./transport/operations-handlers.js";
import { gateService } from "./transport/staff-gate.js";
import { usersHandlers } from "./transport/users-handlers.js";

/**
 * The backoffice's gRPC routes: every staff operation behind the staff gate
 * (token, RBAC from the contract's access options, audit entry), and the
 * audit log in chain order for the audit-export worker. Tests build the
 * server from the same factory.
 */
export function createBackofficeRoutes(deps: BackofficeDeps): (router: ConnectRouter) => void {
  const handlers = {
    ...usersHandlers(deps),
    ...moneyHandlers(deps),
    ...operationsHandlers(deps),
    ...approvalHandlers(deps),
  };
  return (router) => {
    router.service(BackofficeService, gateService(deps, BackofficeService, handlers));
    // For the audit-export worker, which the call graph alone lets in.
    router.service(AuditLogService, auditLogHandlers(deps));
  };
}
