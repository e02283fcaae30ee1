import { durationMs, httpUrl, positiveInt, secret, text, urlField } from "#platform/config/index.js";

/**
 * The notification-delivery worker's own environment variables, merged into
 * the mesh process config. The defaults reach a local mail catcher on 1025
 * and a local SMS/push sink on 1026.
 */
export const deliveryConfigFields = {
  /** SMTP server for email; default "smtp://127.0.0.1:1025" (credentials go in the URL). */
  NOTIFICATION_SMTP_URL: urlField(["smtp:", "smtps:"], "an smtp:// or smtps:// URL", "smtp://127.0.0.1:1025"),
  /** The From header of every email; default "Wallet <no-reply@wallet.local>". */
  NOTIFICATION_EMAIL_FROM: text("Wallet <no-reply@wallet.local>"),
  /** The SMS gateway endpoint; default "http://127.0.0.1:1026/sms". */
  NOTIFICATION_SMS_URL: httpUrl("http://127.0.0.1:1026/sms"),
  /** The push gateway endpoint; default "http://127.0.0.1:1026/push". */
  NOTIFICATION_PUSH_URL: httpUrl("http://127.0.0.1:1026/push"),
  /** Bearer key for the SMS gateway; unset sends no authorization header. */
  NOTIFICATION_SMS_API_KEY: secret(8).optional(),
  /** Bearer key for the push gateway; unset sends no authorization header. */
  NOTIFICATION_PUSH_API_KEY: secret(8).optional(),
  /** HMAC key signing SMS requests; required in production (a public development key otherwise). */
  NOTIFICATION_SMS_SIGNING_SECRET: secret(32).optional(),
  /** HMAC key signing push requests; required in production (a public development key otherwise). */
  NOTIFICATION_PUSH_SIGNING_SECRET: secret(32).optional(),
  /** Bound on one send (SMTP connection, greeting and socket timeouts; HTTP request); default 10 s. */
  NOTIFICATION_SEND_TIMEOUT: durationMs(10_000),
  /** Attempts before a notification is dead-lettered; default 8. */
  NOTIFICATION_MAX_ATTEMPTS: positiveInt(8),
  /** Ceiling of the first retry delay (full jitter, doubling); default 1 s. */
  NOTIFICATION_RETRY_BASE_DELAY: durationMs(1_000),
  /** Largest retry delay; default 5 min. */
  NOTIFICATION_RETRY_MAX_DELAY: durationMs(300_000),
  /** Pause when nothing is due; default 500 ms. */
  NOTIFICATION_POLL_INTERVAL: durationMs(500),
  /** Notifications claimed and sent at once; default 20. */
  NOTIFICATION_BATCH_SIZE: positiveInt(20),
  /** Sends per user per window (SECURITY exempt); default 20. */
  NOTIFICATION_USER_RATE_LIMIT: positiveInt(20),
  /** The per-user rate window, whole seconds; default 1 min. */
  NOTIFICATION_USER_RATE_WINDOW: durationMs(60_000),
  /** Consecutive transient failures of one provider that pause its channel; default 5. */
  NOTIFICATION_BREAKER_FAILURES: positiveInt(5),
  /** How long a paused channel rests before one trial send; default 30 s. */
  NOTIFICATION_BREAKER_HALF_OPEN: durationMs(30_000),
  /** Prefix of the worker's Redis keys; default "notification:". */
  NOTIFICATION_REDIS_PREFIX: text("notification:"),
};

/** Which gateway a signing key is for. */
type SignedGateway = "SMS" | "PUSH";

/** Development-only signing keys: public, so refused in production. */
const developmentSigningSecrets: Record<SignedGateway, string> = {
  SMS: "development-only-sms-signing-secret-not-for-production",
  PUSH: "development-only-push-signing-secret-not-for-production",
};

/**
 * The HMAC key for a gateway: the configured one, else outside production
 * the public development key. Throws in production when it is unset, so the
 * process stops at start-up rather than signing with a known key.
 */
export function signingSecret(
  config: { NODE_ENV: string; NOTIFICATION_SMS_SIGNING_SECRET?: string | undefined; NOTIFICATION_PUSH_SIGNING_SECRET?: string | undefined },
  gateway: SignedGateway,
): string {
  const configured = gateway === "SMS" ? config.NOTIFICATION_SMS_SIGNING_SECRET : config.NOTIFICATION_PUSH_SIGNING_SECRET;
  if (configured) return configured;
  if (config.NODE_ENV === "production") {
    throw new Error(`NOTIFICATION_${gateway}_SIGNING_SECRET is required in production: a secret of at least 32 characters`);
  }
  return developmentSigningSecrets[gateway];
}
