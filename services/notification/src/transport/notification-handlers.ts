import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { PageResponseSchema } from "#gen/wallet/common/v1/pagination_pb.js";
import {
  GetPreferencesResponseSchema,
  ListNotificationsResponseSchema,
  SendTestNotificationResponseSchema,
  UpdatePreferencesResponseSchema,
  type NotificationService,
} from "#gen/wallet/notification/v1/notification_service_pb.js";
import { mapErrors } from "#platform/errors/index.js";
import { fetchLimit, takePage } from "#platform/pagination/index.js";
import type { NotificationDeps } from "../context.js";
import type { NotificationIntent } from "../domain/notification-intent.js";
import { planOn, reachableChannels } from "../domain/plan-notifications.js";
import { changesOf, resolvePreferences } from "../domain/preferences.js";
import { invalidField, NotificationError } from "../errors.js";
import { listNotifications, queueNotifications } from "../storage/notifications.repository.js";
import { listChangedPreferences, saveChangedPreferences } from "../storage/preferences.repository.js";
import { findReachability } from "../storage/recipients.repository.js";
import { toConnectError } from "./connect-errors.js";
import { pageToken, parseChannel, parseChannelFilter, parsePage, parsePreferenceUpdates, parseStatusFilter, parseUserId } from "./parse.js";
import { notificationPb, preferencesPb } from "./to-proto.js";

/**
 * GetPreferences, UpdatePreferences, ListNotifications and
 * SendTestNotification; which service may call which is the mesh's call
 * graph (`platform/mesh/call-graph.ts`). Callers pass the user id they act
 * for. Refusals become gRPC errors in `mapErrors`.
 */
export function createNotificationHandlers(deps: NotificationDeps): Partial<ServiceImpl<typeof NotificationService>> {
  const impl: Partial<ServiceImpl<typeof NotificationService>> = {
    async getPreferences(req) {
      const userId = parseUserId(req.userId);
      const preferences = resolvePreferences(await listChangedPreferences(deps.db, userId));
      return create(GetPreferencesResponseSchema, { preferences: preferencesPb(preferences) });
    },

    async updatePreferences(req) {
      const userId = parseUserId(req.userId);
      const updates = parsePreferenceUpdates(req.entries);
      const preferences = await deps.db.transaction().execute(async (trx) => {
        const current = resolvePreferences(await listChangedPreferences(trx, userId));
        await saveChangedPreferences(trx, userId, changesOf(current, updates), deps.clock());
        return resolvePreferences(await listChangedPreferences(trx, userId));
      });
      return create(UpdatePreferencesResponseSchema, { preferences: preferencesPb(preferences) });
    },

    async listNotifications(req) {
      const userId = parseUserId(req.userId);
      const { limit, after } = parsePage(req.page);
      const rows = await listNotifications(deps.db, {
        userId,
        channel: parseChannelFilter(req.channel),
        status: parseStatusFilter(req.status),
        after,
        limit: fetchLimit(limit),
      });
      const page = takePage(rows, limit, (last) => pageToken({ at: last.createdAt, id: last.id }));
      return create(ListNotificationsResponseSchema, {
        notifications: page.items.map(notificationPb),
        page: create(PageResponseSchema, { nextPageToken: page.nextPageToken }),
      });
    },

    async sendTestNotification(req) {
      const userId = parseUserId(req.userId);
      const channel = parseChannel(req.channel);
      if (req.actorId.trim() === "") throw invalidField("actor_id", "is required");
      const reach = await findReachability(deps.db, userId);
      if (!reach || !reachableChannels(reach).includes(channel)) {
        throw new NotificationError("CHANNEL_UNAVAILABLE", `the user has no address for ${channel}`, { channel });
      }
      // SECURITY so the user's preferences cannot hide a provider check.
      const intent: NotificationIntent = {
        eventId: `test:${randomUUID()}`,
        eventType: "test",
        userId,
        category: "SECURITY",
        template: "test",
        values: { channel: channel.toLowerCase() },
      };
      const [queued] = await queueNotifications(deps.db, [planOn(intent, channel, reach)], { now: deps.clock(), actorId: req.actorId });
      deps.logger.info({ notificationId: queued!.id, userId, channel, actorId: req.actorId }, "test notification queued");
      return create(SendTestNotificationResponseSchema, { notification: notificationPb(queued!) });
    },
  };
  return mapErrors(impl, toConnectError);
}
