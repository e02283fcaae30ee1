import type { Kysely } from "kysely";
import type { ChannelName, NotificationDatabase } from "../storage/notification.table.js";
import { signingSecret } from "./delivery-config.js";
import { readPushTokens } from "./delivery.repository.js";
import { pushBody, smsBody } from "./providers/gateway-bodies.js";
import { createHttpProvider } from "./providers/http-provider.js";
import type { DeliveryProvider } from "./providers/provider.js";
import { createSmtpProvider, type SmtpProvider } from "./providers/smtp-provider.js";

/** The configuration the providers read (see `deliveryConfigFields`). */
export interface ProvidersConfig {
  readonly NODE_ENV: string;
  readonly NOTIFICATION_SMTP_URL: string;
  readonly NOTIFICATION_EMAIL_FROM: string;
  readonly NOTIFICATION_SMS_URL: string;
  readonly NOTIFICATION_PUSH_URL: string;
  readonly NOTIFICATION_SMS_API_KEY?: string | undefined;
  readonly NOTIFICATION_PUSH_API_KEY?: string | undefined;
  readonly NOTIFICATION_SMS_SIGNING_SECRET?: string | undefined;
  readonly NOTIFICATION_PUSH_SIGNING_SECRET?: string | undefined;
  readonly NOTIFICATION_SEND_TIMEOUT: number;
}

/** One provider per channel, and the SMTP transport to close at shutdown. */
export interface Providers {
  readonly byChannel: Readonly<Record<ChannelName, DeliveryProvider>>;
  readonly smtp: SmtpProvider;
}

/**
 * Builds the email (SMTP), SMS and push (signed HTTP) providers from the
 * configuration. Throws in production when a signing secret is missing.
 */
export function createProviders(config: ProvidersConfig, db: Kysely<NotificationDatabase>): Providers {
  const timeoutMs = config.NOTIFICATION_SEND_TIMEOUT;
  const smtp = createSmtpProvider({ url: config.NOTIFICATION_SMTP_URL, from: config.NOTIFICATION_EMAIL_FROM, timeoutMs });
  const sms = createHttpProvider({
    name: "sms-http",
    url: config.NOTIFICATION_SMS_URL,
    apiKey: config.NOTIFICATION_SMS_API_KEY,
    signingSecret: signingSecret(config, "SMS"),
    timeoutMs,
    body: smsBody,
  });
  const push = createHttpProvider({
    name: "push-http",
    url: config.NOTIFICATION_PUSH_URL,
    apiKey: config.NOTIFICATION_PUSH_API_KEY,
    signingSecret: signingSecret(config, "PUSH"),
    timeoutMs,
    body: pushBody((userId) => readPushTokens(db, userId)),
  });
  return { byChannel: { EMAIL: smtp, SMS: sms, PUSH: push }, smtp };
}
