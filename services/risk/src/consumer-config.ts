import { z } from "zod";
import { durationMs, positiveInt, text } from "#platform/config/index.js";
import { amqpReconnectConfigShape } from "#platform/consumer/index.js";
import { riskConfigFields } from "./config.js";

/** The risk-consumer's own environment variables, merged into the mesh process config. */
export const riskConsumerConfigFields = {
  /** The topic exchange events are published to; default "wallet.events". */
  RISK_CONSUMER_EXCHANGE: text("wallet.events"),
  /** The consumer's quorum work queue, bound to ledger and identity events; default "risk.ledger-events" (named before identity events were bound). */
  RISK_CONSUMER_QUEUE: text("risk.ledger-events"),
  /** Handling attempts before an event is dead-lettered; default 5. */
  RISK_CONSUMER_MAX_ATTEMPTS: positiveInt(5),
  /** Delay before the first retry, doubling per attempt; default 1 s. */
  RISK_CONSUMER_RETRY_DELAY: durationMs(1_000),
  /** Unacked messages handled at once; default 16. */
  RISK_CONSUMER_PREFETCH: positiveInt(16),
  /** `AMQP_RECONNECT_MAX_MS`, shared by every RabbitMQ client process: ceiling of the wait between reconnects; default 30 s. */
  ...amqpReconnectConfigShape,
  /** High-value alert threshold in minor units for currencies without an AMOUNT_THRESHOLD rule; default 1000000 (10,000.00). */
  RISK_ALERT_HIGH_VALUE_MINOR: positiveInt(1_000_000),
  /** The risk API's Redis key prefix: the consumer writes the velocity windows and device first-seen times scoring reads. */
  RISK_REDIS_PREFIX: riskConfigFields.RISK_REDIS_PREFIX,
};

/** The defaults, for tools and tests. */
export const defaultRiskConsumerConfig = z.object(riskConsumerConfigFields).parse({});

/**
 * The bindings of the risk consumer's work queue: every ledger event, and
 * only the identity events risk acts on (not `identity.#`: that would carry
 * the secret tokens of EmailVerificationRequested and RecoveryRequested,
 * which identity_events.proto reserves to the notification service).
 */
export const RISK_CONSUMER_BINDINGS = ["ledger.#", "identity.LoginFromNewDevice", "identity.DeviceRegistered", "identity.SessionRevoked"] as const;
