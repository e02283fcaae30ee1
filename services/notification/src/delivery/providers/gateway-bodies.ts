import { ProviderError, type OutgoingNotification } from "./provider.js";

/** The SMS gateway's body: `{ to, text }`. */
export async function smsBody(notification: OutgoingNotification): Promise<unknown> {
  if (!notification.destination) throw new ProviderError("no phone number", true);
  return { to: notification.destination, text: notification.body };
}

/**
 * The push gateway's body: `{ tokens, title, body }` with the user's push
 * tokens read at send time. A user with no device left is a permanent
 * failure ("no push tokens"), dead-lettered at once rather than reported as
 * sent: nothing reached the user, and staff see why in the dead letters.
 */
export function pushBody(pushTokens: (userId: string) => Promise<string[]>) {
  return async (notification: OutgoingNotification): Promise<unknown> => {
    const tokens = await pushTokens(notification.userId);
    if (tokens.length === 0) throw new ProviderError("no push tokens", true);
    return { tokens, title: notification.subject, body: notification.body };
  };
}
