import nodemailer from "nodemailer";
import { ProviderError, type DeliveryProvider, type OutgoingNotification, type ProviderReceipt } from "./provider.js";

/** Options for {@link createSmtpProvider}. */
export interface SmtpProviderOptions {
  /** smtp:// or smtps:// URL, credentials in the user info. */
  readonly url: string;
  /** The From header. */
  readonly from: string;
  /** Connection, greeting and socket timeouts. */
  readonly timeoutMs: number;
}

/** An SMTP provider whose transport can be closed at shutdown. */
export interface SmtpProvider extends DeliveryProvider {
  close(): void;
}

/** An SMTP reply code from a nodemailer error, when the server answered one. */
function replyCode(error: unknown): number | undefined {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === "number" ? code : undefined;
}

/**
 * Email over SMTP with nodemailer, one connection per message (no pool: a
 * pooled connection the server dropped would fail the next send). A 5xx
 * reply (mailbox unknown, message refused) is permanent; 4xx replies,
 * refused connections and timeouts are retried.
 */
export function createSmtpProvider(options: SmtpProviderOptions): SmtpProvider {
  const transport = nodemailer.createTransport({
    url: options.url,
    pool: false,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  } as nodemailer.TransportOptions);

  async function send(notification: OutgoingNotification, signal: AbortSignal): Promise<ProviderReceipt> {
    if (!notification.destination) throw new ProviderError("no email address", true);
    signal.throwIfAborted();
    // nodemailer takes no signal: the transport timeouts bound the wait, the race only stops waiting sooner.
    const aborted = new Promise<never>((_, reject) => {
      signal.addEventListener("abort", () => reject(new ProviderError("send timed out", false)), { once: true });
    });
    aborted.catch(() => undefined);
    try {
      const info = await Promise.race([
        transport.sendMail({ from: options.from, to: notification.destination, subject: notification.subject, text: notification.body }),
        aborted,
      ]);
      return { providerMessageId: typeof info.messageId === "string" ? info.messageId : null };
    } catch (error) {
      const code = replyCode(error);
      if (code !== undefined) throw new ProviderError("SMTP server refused the message", code >= 500, code);
      throw error;
    }
  }

  return { name: "smtp", send, close: () => transport.close() };
}
