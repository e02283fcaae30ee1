import type { ConnectRouter } from "@connectrpc/connect";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";

/**
 * The identity service's gRPC routes: sign-up, login, MFA, devices, sessions, tokens and JWKS.
 * Methods without a handler answer `Unimplemented` until issue #4 implements them.
 */
export function createIdentityRoutes(): (router: ConnectRouter) => void {
  return (router) => {
    router.service(IdentityService, {});
  };
}
