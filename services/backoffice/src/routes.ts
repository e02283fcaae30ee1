import type { ConnectRouter } from "@connectrpc/connect";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";

/**
 * The backoffice service's gRPC routes: staff operations under RBAC, each written to the audit log.
 * Methods without a handler answer `Unimplemented` until a later issue implements them.
 */
export function createBackofficeRoutes(): (router: ConnectRouter) => void {
  return (router) => {
    router.service(BackofficeService, {});
  };
}
