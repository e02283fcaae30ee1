import type { ConnectRouter } from "@connectrpc/connect";
import { RiskService } from "#gen/wallet/risk/v1/risk_service_pb.js";
import type { RiskDeps } from "./context.js";
import { createRiskHandlers } from "./transport/risk-handlers.js";

/**
 * The risk service's gRPC routes: transaction scoring, rules, blocklists,
 * alerts and the event consumer's dead letters. Tests build the server from
 * the same factory.
 */
export function createRiskRoutes(deps: RiskDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(RiskService, createRiskHandlers(deps));
  };
}
