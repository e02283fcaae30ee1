import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  Category as CategoryPb,
  Channel as ChannelPb,
  ChannelPreferenceSchema,
  NotificationSchema,
  NotificationStatus as NotificationStatusPb,
  PreferencesSchema,
} from "#gen/wallet/notification/v1/notification_pb.js";
import type { Preferences } from "../domain/preferences.js";
import type { NotificationView } from "../storage/notifications.repository.js";

/** Preferences as a message: nine entries in the contract's order. */
export function preferencesPb(preferences: Preferences) {
  return create(PreferencesSchema, {
    entries: preferences.entries.map((e) =>
      create(ChannelPreferenceSchema, { category: CategoryPb[e.category], channel: ChannelPb[e.channel], enabled: e.enabled, locked: e.locked }),
    ),
    updatedAt: preferences.updatedAt ? timestampFromDate(preferences.updatedAt) : undefined,
  });
}

/** A notification as a message; the view holds no body, so none can leak. */
export function notificationPb(n: NotificationView) {
  return create(NotificationSchema, {
    id: n.id,
    userId: n.userId,
    category: CategoryPb[n.category],
    channel: ChannelPb[n.channel],
    eventType: n.eventType,
    subject: n.subject,
    status: NotificationStatusPb[n.status],
    attempts: n.attempts,
    createdAt: timestampFromDate(n.createdAt),
    sentAt: n.sentAt ? timestampFromDate(n.sentAt) : undefined,
  });
}
