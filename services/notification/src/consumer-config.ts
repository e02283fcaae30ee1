import { z } from "zod";
import { durationMs, positiveInt, text } from "#platform/config/index.js";
import { amqpReconnectConfigShape } from "#platform/consumer/index.js";

/** The notification-consumer's own environment variables, merged into the mesh process config. */
export const notificationConsumerConfigFields = {
  /** The topic exchange events are published to; default "wallet.events". */
  NOTIFICATION_CONSUMER_EXCHANGE: text("wallet.events"),
  /** The consumer's quorum work queue; default "notification.events". */
  NOTIFICATION_CONSUMER_QUEUE: text("notification.events"),
  /** Handling attempts before an event is dead-lettered; default 5. */
  NOTIFICATION_CONSUMER_MAX_ATTEMPTS: positiveInt(5),
  /** Delay before the first retry, doubling per attempt; default 1 s. */
  NOTIFICATION_CONSUMER_RETRY_DELAY: durationMs(1_000),
  /** Unacked messages handled at once; default 16. */
  NOTIFICATION_CONSUMER_PREFETCH: positiveInt(16),
  /** `AMQP_RECONNECT_MAX_MS`, shared by every RabbitMQ client process: ceiling of the wait between reconnects; default 30 s. */
  ...amqpReconnectConfigShape,
};

/** The defaults, for tools and tests. */
export const defaultNotificationConsumerConfig = z.object(notificationConsumerConfigFields).parse({});

/**
 * The bindings of the notification consumer's work queue: exactly the
 * events it acts on. The queue receives the secret-carrying
 * EmailVerificationRequested and RecoveryRequested, which
 * identity_events.proto reserves to this service: no other service may read it.
 */
export const NOTIFICATION_CONSUMER_BINDINGS = [
  "identity.UserRegistered",
  "identity.EmailVerificationRequested",
  "identity.EmailVerified",
  "identity.LoginFromNewDevice",
  "identity.DeviceRegistered",
  "identity.DeviceRevoked",
  "identity.MfaEnrolled",
  "identity.MfaDisabled",
  "identity.PasswordChanged",
  "identity.RecoveryRequested",
  "ledger.TransferPosted",
  "ledger.RefundPosted",
  "ledger.AdjustmentPosted",
  "risk.RiskAlertRaised",
] as const;
