/**
 * Which notification rows an intent becomes: one per channel the user can
 * be reached on and has enabled for the category (SECURITY is always
 * enabled), rendered in the user's language. Token-carrying intents go to
 * the event's address by EMAIL only. Pure, no I/O.
 */
import type { ChannelName } from "./channels.js";
import type { NotificationIntent } from "./notification-intent.js";
import { isEnabled, type Preferences } from "./preferences.js";
import { renderTemplate, type RenderedMessage } from "./templates.js";

/** Where a user can be reached, from identity's events. */
export interface Reachability {
  readonly email: string | null;
  readonly phoneNumber: string | null;
  readonly hasPushToken: boolean;
  /** BCP 47, e.g. "en-GB". */
  readonly locale: string;
}

/** A notification ready to queue. */
export interface PlannedNotification extends RenderedMessage {
  readonly eventId: string;
  readonly eventType: string;
  readonly userId: string;
  readonly category: NotificationIntent["category"];
  readonly channel: ChannelName;
  /** The email address or phone number; null for PUSH (the user's tokens at send time). */
  readonly destination: string | null;
}

/** The channels a user has an address for, in the contract's order. */
export function reachableChannels(reach: Reachability): ChannelName[] {
  const channels: ChannelName[] = [];
  if (reach.email) channels.push("EMAIL");
  if (reach.phoneNumber) channels.push("SMS");
  if (reach.hasPushToken) channels.push("PUSH");
  return channels;
}

/** The address of a channel: email or phone; null for PUSH. */
function destinationOf(reach: Reachability, channel: ChannelName): string | null {
  if (channel === "EMAIL") return reach.email;
  if (channel === "SMS") return reach.phoneNumber;
  return null;
}

/** The intent rendered for one channel the caller already chose. */
export function planOn(intent: NotificationIntent, channel: ChannelName, reach: Reachability): PlannedNotification {
  const { eventId, eventType, userId, category } = intent;
  const rendered = renderTemplate(intent.template, reach.locale, channel, intent.values);
  return { ...rendered, eventId, eventType, userId, category, channel, destination: destinationOf(reach, channel) };
}

/**
 * The rows of an intent. `reach` is the recipient record; it may be missing
 * only for a token-carrying intent (the caller retries the others).
 */
export function planNotifications(intent: NotificationIntent, reach: Reachability | undefined, preferences: Preferences): PlannedNotification[] {
  if (intent.directEmail) {
    const { address, locale } = intent.directEmail;
    // The event's locale first: it is the one identity had when it issued the token.
    return [planOn(intent, "EMAIL", { email: address, phoneNumber: null, hasPushToken: false, locale: locale || reach?.locale || "en" })];
  }
  if (!reach) throw new Error(`no recipient record for user ${intent.userId}`);
  return reachableChannels(reach)
    .filter((channel) => isEnabled(preferences, intent.category, channel))
    .map((channel) => planOn(intent, channel, reach));
}
