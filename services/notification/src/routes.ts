import type { ConnectRouter } from "@connectrpc/connect";
import { NotificationService } from "#gen/wallet/notification/v1/notification_service_pb.js";
import type { NotificationDeps } from "./context.js";
import { createDeadLetterHandlers } from "./transport/dead-letter-handlers.js";
import { createNotificationHandlers } from "./transport/notification-handlers.js";

/**
 * The notification service's gRPC routes: preferences, history and test
 * sends (notification-handlers.ts), and the delivery dead letters
 * (dead-letter-handlers.ts). Tests build the server from the same factory.
 */
export function createNotificationRoutes(deps: NotificationDeps): (router: ConnectRouter) => void {
  return (router) => {
    router.service(NotificationService, { ...createNotificationHandlers(deps), ...createDeadLetterHandlers(deps) });
  };
}
