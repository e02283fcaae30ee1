/** What an event (or a test send) asks to tell one user, before channels are chosen. */
import type { CategoryName } from "./channels.js";
import { UnprocessableEventError } from "./event-errors.js";
import type { TemplateName, TemplateValue } from "./templates.js";

/** One message to one user, on whatever channels apply. */
export interface NotificationIntent {
  /**
   * The deduplication key, unique per (event_id, channel) in `notifications`:
   * the envelope's event id, or a derivation of it when one event tells two
   * users (`${eventId}:received` for a transfer's payee).
   */
  readonly eventId: string;
  /** The envelope's event type, e.g. "wallet.events.v1.TransferPosted"; "test" for test sends. */
  readonly eventType: string;
  readonly userId: string;
  readonly category: CategoryName;
  readonly template: TemplateName;
  readonly values: Readonly<Record<string, TemplateValue>>;
  /**
   * For token-carrying events: the address and locale in the event itself.
   * Such a message goes to this address by EMAIL only, whatever the
   * recipient record or preferences say.
   */
  readonly directEmail?: { readonly address: string; readonly locale: string };
}

/** The source of an intent: an event's id and type. */
export interface EventSource {
  readonly eventId: string;
  readonly eventType: string;
}

/** An intent for `userId` from `source`; an empty user id makes the event unprocessable. */
export function intentFor(
  source: EventSource,
  userId: string,
  message: Omit<NotificationIntent, "eventId" | "eventType" | "userId">,
): NotificationIntent {
  if (userId === "") throw new UnprocessableEventError(`${source.eventType} ${source.eventId} has no user_id`);
  return { eventId: source.eventId, eventType: source.eventType, userId, ...message };
}
