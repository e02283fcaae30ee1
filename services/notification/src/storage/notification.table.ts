import type { ColumnType } from "kysely";
import type { ConsumerDatabase } from "#platform/consumer/index.js";

/** Where a notification goes. */
export type ChannelName = "EMAIL" | "SMS" | "PUSH";
/** What it is about; SECURITY cannot be turned off. */
export type CategoryName = "SECURITY" | "TRANSACTIONS" | "MARKETING";
/** Where it is in its delivery. */
export type NotificationStatusName = "QUEUED" | "SENT" | "FAILED" | "DEAD_LETTERED";

/** Row type of `recipients` (migration 0003). */
export interface RecipientsTable {
  user_id: string;
  email: string | null;
  email_verified: ColumnType<boolean, boolean | undefined, boolean>;
  phone_number: string | null;
  locale: ColumnType<string, string | undefined, string>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** Row type of `push_tokens`. */
export interface PushTokensTable {
  device_id: string;
  user_id: string;
  push_token: string;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** Row type of `preferences`: only entries a user changed. */
export interface PreferencesTable {
  user_id: string;
  category: CategoryName;
  channel: ChannelName;
  enabled: boolean;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** Row type of `notifications`, the delivery outbox. */
export interface NotificationsTable {
  id: ColumnType<string, string | undefined, never>;
  user_id: string;
  category: CategoryName;
  channel: ChannelName;
  event_id: string;
  event_type: string;
  template: string;
  locale: string;
  destination: string | null;
  subject: string;
  body: string;
  status: ColumnType<NotificationStatusName, NotificationStatusName | undefined, NotificationStatusName>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date, Date | undefined, Date>;
  provider: string | null;
  provider_message_id: string | null;
  last_error: string | null;
  actor_id: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  sent_at: Date | null;
  dead_lettered_at: Date | null;
}

/** The notification service's database. */
export interface NotificationDatabase extends ConsumerDatabase {
  recipients: RecipientsTable;
  push_tokens: PushTokensTable;
  preferences: PreferencesTable;
  notifications: NotificationsTable;
}
