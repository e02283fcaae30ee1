import type { ConnectRouter } from "@connectrpc/connect";
import { MobileBffService } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";

/**
 * The mobile-bff service's gRPC routes: bootstrap, onboarding, balance, statement and transfers for the mobile app.
 * Methods without a handler answer `Unimplemented` until issue #5 implements them.
 */
export function createMobileBffRoutes(): (router: ConnectRouter) => void {
  return (router) => {
    router.service(MobileBffService, {});
  };
}
