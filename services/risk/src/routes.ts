import type { ConnectRouter } from "@connectrpc/connect";
import { RiskService } from "#gen/wallet/risk/v1/risk_service_pb.js";

/**
 * The risk service's gRPC routes: transaction scoring, rules, blocklists and alerts.
 * Methods without a handler answer `Unimplemented` until issue #6 implements them.
 */
export function createRiskRoutes(): (router: ConnectRouter) => void {
  return (router) => {
    router.service(RiskService, {});
  };
}
