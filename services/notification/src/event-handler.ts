/**
 * What the notification consumer does with one event, inside the
 * transaction that records it processed:
 * - identity events keep the recipient record (addresses, locale, push
 *   tokens) this service sends to, since it never reads identity's tables;
 * - events worth telling the user about become rows in `notifications`
 *   (QUEUED, for the delivery worker), one per channel the user can be
 *   reached on and has enabled (SECURITY always), or EMAIL only to the
 *   event's address for token-carrying events.
 * A redelivered event queues nothing twice: `processed_events` recognises
 * it, and (event_id, channel) is unique besides.
 */
import type { Transaction } from "kysely";
import type { Logger } from "pino";
import type { EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import { UnknownRecipientError } from "./domain/event-errors.js";
import type { NotificationIntent } from "./domain/notification-intent.js";
import { planNotifications } from "./domain/plan-notifications.js";
import { resolvePreferences } from "./domain/preferences.js";
import { identityNotificationsOf, recipientChangeOf, type RecipientChange } from "./identity-events.js";
import { ledgerNotificationsOf } from "./ledger-events.js";
import { riskNotificationsOf } from "./risk-events.js";
import type { NotificationDatabase } from "./storage/notification.table.js";
import { queueNotifications } from "./storage/notifications.repository.js";
import { listChangedPreferences } from "./storage/preferences.repository.js";
import { deletePushToken, findReachability, markEmailVerified, setPushToken, upsertRecipient } from "./storage/recipients.repository.js";

/** The consumer name in `processed_events`, `dead_letter_events` and the metrics. */
export const NOTIFICATION_CONSUMER_NAME = "notification";

/** What the handler needs. */
export interface NotificationEventHandlerDeps {
  readonly clock: () => Date;
  /** Logs ids, types and channels only: never addresses, tokens, subjects or bodies. */
  readonly logger: Logger;
}

type Db = Transaction<NotificationDatabase>;

/** Applies a recipient change. */
async function applyRecipientChange(db: Db, change: RecipientChange, now: Date): Promise<void> {
  switch (change.kind) {
    case "REGISTERED":
      return upsertRecipient(db, change.recipient, now);
    case "EMAIL_VERIFIED":
      return markEmailVerified(db, change.userId, change.email, now);
    case "PUSH_TOKEN_SET":
      return setPushToken(db, change, now);
    case "PUSH_TOKEN_REMOVED":
      return deletePushToken(db, change.deviceId);
  }
}

/** Queues an intent's notifications; answers the channels queued. */
async function queueIntent(db: Db, intent: NotificationIntent, now: Date): Promise<string[]> {
  const reach = await findReachability(db, intent.userId);
  // Unknown recipient: throwing rolls the event back, so the platform consumer
  // retries it with backoff until UserRegistered has been processed (then dead-letters it).
  if (!reach && !intent.directEmail) throw new UnknownRecipientError(intent.userId);
  const preferences = resolvePreferences(await listChangedPreferences(db, intent.userId));
  const queued = await queueNotifications(db, planNotifications(intent, reach, preferences), { now });
  return queued.map((n) => n.channel);
}

/** The consumer's `handle`: effects in `trx`, the transaction that records the event processed. */
export function createNotificationEventHandler(deps: NotificationEventHandlerDeps): (envelope: EventEnvelope, trx: Transaction<any>) => Promise<void> {
  return async (envelope, trx) => {
    const db = trx as Db;
    const now = deps.clock();
    const change = recipientChangeOf(envelope);
    if (change) await applyRecipientChange(db, change, now);
    const intents = [...identityNotificationsOf(envelope), ...ledgerNotificationsOf(envelope), ...riskNotificationsOf(envelope)];
    for (const intent of intents) {
      const channels = await queueIntent(db, intent, now);
      deps.logger.debug({ eventId: envelope.eventId, eventType: envelope.eventType, userId: intent.userId, template: intent.template, channels }, "notifications queued");
    }
  };
}
