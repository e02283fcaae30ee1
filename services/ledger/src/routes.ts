import type { ConnectRouter } from "@connectrpc/connect";
import { LedgerService } from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import type { LedgerDeps } from "./context.js";
import { createLedgerHandlers } from "./transport/ledger-handlers.js";

/**
 * The ledger service's gRPC routes: accounts, movements, holds, reads and the
 * integrity check. Tests build the server from the same factory
 * (`startService` on port 0, or `createRouterTransport`).
 */
export function createLedgerRoutes(deps: LedgerDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(LedgerService, createLedgerHandlers(deps));
  };
}
