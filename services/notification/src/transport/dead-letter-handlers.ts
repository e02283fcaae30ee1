import type { ServiceImpl } from "@connectrpc/connect";
import type { NotificationService } from "#gen/wallet/notification/v1/notification_service_pb.js";
import type { NotificationDeps } from "../context.js";

/** ListDeadLetters, ReplayDeadLetters. */
export function createDeadLetterHandlers(_deps: NotificationDeps): Partial<ServiceImpl<typeof NotificationService>> {
  return {};
}
