import type { ConnectRouter } from "@connectrpc/connect";
import { MobileBffService } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import type { MobileBffDeps } from "./context.js";
import { createMobileBffHandlers } from "./transport/bff-handlers.js";

/**
 * The mobile-bff service's gRPC routes: bootstrap, onboarding, accounts,
 * balance, statement, transfers, refunds, devices, sessions and notification
 * preferences, aggregated from identity, ledger and notification. Tests build
 * the server from the same factory (`startService` on port 0).
 */
export function createMobileBffRoutes(deps: MobileBffDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(MobileBffService, createMobileBffHandlers(deps));
  };
}
