import type { ConnectRouter } from "@connectrpc/connect";
import { LedgerService } from "#gen/wallet/ledger/v1/ledger_service_pb.js";

/**
 * The ledger service's gRPC routes: accounts, transfers, refunds, holds and balances.
 * Methods without a handler answer `Unimplemented` until issue #3 implements them.
 */
export function createLedgerRoutes(): (router: ConnectRouter) => void {
  return (router) => {
    router.service(LedgerService, {});
  };
}
