import type { ConnectRouter } from "@connectrpc/connect";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import type { IdentityDeps } from "./context.js";
import { createIdentityHandlers } from "./transport/identity-handlers.js";

/**
 * The identity service's gRPC routes: sign-up, login, MFA, devices, sessions,
 * tokens and JWKS. Tests build the server from the same factory
 * (`startService` on port 0, or `createRouterTransport`).
 */
export function createIdentityRoutes(deps: IdentityDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(IdentityService, createIdentityHandlers(deps));
  };
}
