import type { Registry } from "prom-client";
import { fullJitterDelayMs } from "#platform/outbox/backoff.js";
import { sleep } from "#platform/outbox/sleep.js";
import { deliverNotification, type DeliverNotificationDeps } from "./deliver-notification.js";
import { createDeliveryMetrics } from "./delivery-metrics.js";
import { claimDueNotifications, countDueNotifications } from "./delivery.repository.js";
import { createProviderBreakers, type ProviderBreakerOptions } from "./provider-breakers.js";

/** Options for {@link createDeliveryWorker}: what each delivery needs, and the loop's pace. */
export interface DeliveryWorkerOptions extends Omit<DeliverNotificationDeps, "metrics" | "breakers"> {
  /** When a provider's circuit opens and how long it rests; its notifications wait that long. */
  readonly breaker: ProviderBreakerOptions;
  /** The process registry; the delivery metrics are registered on it. */
  readonly registry: Registry;
  /** Notifications claimed and sent concurrently per turn. */
  readonly batchSize: number;
  /** Pause after a turn that found fewer than `batchSize` due notifications. */
  readonly pollIntervalMs: number;
}

/** Added to the send timeout to make a claim's lease: time to record the result. */
const LEASE_MARGIN_MS = 30_000;

/** The delivery loop. */
export interface DeliveryWorker {
  /** Delivers until `signal` aborts, finishing the sends in flight; never throws. */
  run(signal: AbortSignal): Promise<void>;
  /** Runs one turn: claims due notifications and delivers them; answers how many were claimed. */
  deliverDue(): Promise<number>;
}

/**
 * The notification delivery loop. Each turn claims up to `batchSize` due
 * notifications (committed before any send, leased for the send timeout plus
 * a margin), sends them concurrently through their channel's provider, and
 * records each result with a guarded update. Any number of workers can run:
 * a row is claimed by one at a time. Delivery is at least once: a worker
 * dying between a provider accepting a message and recording it sends it
 * again after the lease (the HTTP gateways get the same idempotency key).
 */
export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { db, logger } = options;
  const deps: DeliverNotificationDeps = {
    ...options,
    metrics: createDeliveryMetrics(options.registry, () => countDueNotifications(db)),
    breakers: createProviderBreakers(options.breaker, logger),
  };
  const leaseMs = options.sendTimeoutMs + LEASE_MARGIN_MS;

  async function deliverDue(): Promise<number> {
    const claimed = await claimDueNotifications(db, { limit: options.batchSize, leaseMs });
    const results = await Promise.allSettled(claimed.map((row) => deliverNotification(deps, row)));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    // A row whose result could not be recorded comes back when its lease ends.
    if (failed) throw failed.reason;
    return claimed.length;
  }

  async function run(signal: AbortSignal): Promise<void> {
    let databaseFailures = 0;
    while (!signal.aborted) {
      let claimed: number;
      try {
        claimed = await deliverDue();
        databaseFailures = 0;
      } catch (err) {
        databaseFailures++;
        const delay = fullJitterDelayMs(options.backoff, databaseFailures) + options.pollIntervalMs;
        logger.error({ err: (err as Error).message, retryInMs: delay }, "delivery turn failed");
        await sleep(delay, signal);
        continue;
      }
      if (claimed < options.batchSize) await sleep(options.pollIntervalMs, signal);
    }
  }

  return { run, deliverDue };
}
