import type { ConnectRouter } from "@connectrpc/connect";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import type { BackofficeDeps } from "./context.js";
import { approvalHandlers } from "./transport/approval-handlers.js";
import { moneyHandlers } from "./transport/money-handlers.js";
import { operationsHandlers } from "./transport/operations-handlers.js";
import { gateService } from "./transport/staff-gate.js";
import { usersHandlers } from "./transport/users-handlers.js";

/**
 * The backoffice's gRPC routes: every staff operation behind the staff gate
 * (token, RBAC from the contract's access options, audit entry). Tests build
 * the server from the same factory.
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
  };
}
