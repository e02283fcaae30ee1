import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { fullJitterDelayMs, type BackoffPolicy } from "#platform/outbox/backoff.js";
import type { ChannelName, NotificationDatabase } from "../storage/notification.table.js";
import { describeDeliveryError, isPermanent } from "./delivery-error.js";
import type { DeliveryMetrics, DeliveryOutcome } from "./delivery-metrics.js";
import { markNotificationFailed, markNotificationSent, postponeNotification, type ClaimedNotification } from "./delivery.repository.js";
import { BrokenCircuitError, type ProviderBreakers } from "./provider-breakers.js";
import type { DeliveryProvider } from "./providers/provider.js";
import type { UserRateCap } from "./user-rate-cap.js";

/** What delivering one claimed notification needs. */
export interface DeliverNotificationDeps {
  readonly db: Kysely<NotificationDatabase>;
  readonly providers: Readonly<Record<ChannelName, DeliveryProvider>>;
  /** Pause a channel whose provider keeps failing. */
  readonly breakers: ProviderBreakers;
  readonly rateCap: UserRateCap;
  readonly metrics: DeliveryMetrics;
  readonly logger: Logger;
  /** Attempts after which a notification is dead-lettered. */
  readonly maxAttempts: number;
  /** Retry delays (full jitter); also paces the loop after database errors. */
  readonly backoff: BackoffPolicy;
  /** Bound on one provider call. */
  readonly sendTimeoutMs: number;
}

/**
 * Whether the user's rate cap lets this notification go now. SECURITY is
 * exempt: a verification email must not wait behind marketing. When Redis
 * cannot answer the cap is skipped (logged): delivery matters more than the
 * cap, and the provider calls do not depend on Redis.
 */
async function rateCapAllows(deps: DeliverNotificationDeps, claimed: ClaimedNotification): Promise<{ allowed: true } | { allowed: false; retryInMs: number }> {
  if (claimed.category === "SECURITY") return { allowed: true };
  try {
    return await deps.rateCap.take(claimed.userId);
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, "user rate cap unavailable; sending uncapped");
    return { allowed: true };
  }
}

/**
 * Delivers one claimed notification and records the result on its row:
 * SENT; FAILED with a full-jitter backoff; DEAD_LETTERED after the last
 * attempt or a permanent refusal; or postponed without counting an attempt,
 * when its channel's circuit is open or the user is over the rate cap. Logs
 * carry ids and the scrubbed error only, never the destination or body.
 * Never throws for a provider failure; a database error propagates to the
 * loop (the row comes back after its lease).
 */
export async function deliverNotification(deps: DeliverNotificationDeps, claimed: ClaimedNotification): Promise<DeliveryOutcome> {
  const provider = deps.providers[claimed.channel];
  const labels = { channel: claimed.channel, provider: provider.name };
  const log = deps.logger.child({ notificationId: claimed.id, channel: claimed.channel, provider: provider.name });

  const postpone = async (outcome: "circuit_open" | "rate_limited", retryInMs: number) => {
    await postponeNotification(deps.db, claimed, retryInMs);
    deps.metrics.deliveries.inc({ ...labels, outcome });
    log.debug({ retryInMs }, outcome === "circuit_open" ? "provider circuit open; notification postponed" : "user rate cap reached; notification postponed");
    return outcome;
  };
  // Before the cap: a paused channel must not spend the user's allowance.
  if (deps.breakers.isOpen(claimed.channel)) return postpone("circuit_open", deps.breakers.restMs);

  const cap = await rateCapAllows(deps, claimed);
  if (!cap.allowed) return postpone("rate_limited", cap.retryInMs);

  const attempts = claimed.attempts + 1;
  const trial = deps.breakers.isTrialDue(claimed.channel);
  try {
    const receipt = await deps.breakers.execute(claimed.channel, () => provider.send(claimed, AbortSignal.timeout(deps.sendTimeoutMs)));
    const recorded = await markNotificationSent(deps.db, claimed, { provider: provider.name, providerMessageId: receipt.providerMessageId });
    deps.metrics.deliveries.inc({ ...labels, outcome: "sent" });
    deps.metrics.latency.observe({ channel: claimed.channel }, Math.max(0, Date.now() - claimed.createdAt.getTime()) / 1000);
    if (recorded) log.info({ attempts }, "notification sent");
    else log.warn({ attempts }, "notification sent but its row changed meanwhile; left as it is");
    return "sent";
  } catch (err) {
    // Opened, or half-open with its one trial send already under way.
    if (err instanceof BrokenCircuitError) return postpone("circuit_open", deps.breakers.restMs);
    const error = describeDeliveryError(err);
    if (trial && !isPermanent(err)) {
      log.warn({ error }, "provider still failing; circuit stays open");
      return postpone("circuit_open", deps.breakers.restMs);
    }
    const deadLetter = isPermanent(err) || attempts >= deps.maxAttempts;
    const retryInMs = fullJitterDelayMs(deps.backoff, attempts);
    await markNotificationFailed(deps.db, claimed, { provider: provider.name, error, deadLetter, retryInMs });
    const outcome = deadLetter ? "dead_lettered" : "failed";
    deps.metrics.deliveries.inc({ ...labels, outcome });
    if (deadLetter) log.error({ attempts, error }, "notification dead-lettered");
    else log.warn({ attempts, error, retryInMs }, "notification send failed; will retry");
    return outcome;
  }
}
