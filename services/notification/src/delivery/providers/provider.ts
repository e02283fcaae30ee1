import type { CategoryName, ChannelName } from "../../storage/notification.table.js";

/** The provider adapters' names, recorded on rows and in metrics. */
export type ProviderName = "smtp" | "sms-http" | "push-http";

/** What a provider needs of a claimed notification. */
export interface OutgoingNotification {
  readonly id: string;
  readonly userId: string;
  readonly category: CategoryName;
  readonly channel: ChannelName;
  /** Email address or phone number; null for push. */
  readonly destination: string | null;
  readonly subject: string;
  readonly body: string;
}

/** What a provider answers when it accepted a message. */
export interface ProviderReceipt {
  readonly providerMessageId: string | null;
}

/**
 * One way out (SMTP, an SMS or push gateway). `send` resolves once the
 * provider accepted the message, and throws otherwise: a
 * {@link ProviderError} with `permanent` when retrying cannot help, anything
 * else (network, timeout) is retried.
 */
export interface DeliveryProvider {
  readonly name: ProviderName;
  send(notification: OutgoingNotification, signal: AbortSignal): Promise<ProviderReceipt>;
}

/**
 * A provider's refusal. The message is short and says what went wrong
 * without the destination or body; `status` is the HTTP status or SMTP reply
 * code when there is one.
 */
export class ProviderError extends Error {
  override readonly name = "ProviderError";
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}
