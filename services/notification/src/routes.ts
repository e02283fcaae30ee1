import type { ConnectRouter } from "@connectrpc/connect";
import { NotificationService } from "#gen/wallet/notification/v1/notification_service_pb.js";

/**
 * The notification service's gRPC routes: preferences, notification history and dead letters.
 * Methods without a handler answer `Unimplemented` until issue #7 implements them.
 */
export function createNotificationRoutes(): (router: ConnectRouter) => void {
  return (router) => {
    router.service(NotificationService, {});
  };
}
