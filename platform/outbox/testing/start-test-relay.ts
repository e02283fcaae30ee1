import type { Kysely } from "kysely";
import { Registry } from "prom-client";
import { createSilentLogger } from "../../logging/index.js";
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from "../create-outbox-relay.js";

/** A relay running in the background of a test. */
export interface TestRelay {
  readonly relay: OutboxRelay;
  /** The relay's own registry, for metric assertions. */
  readonly registry: Registry;
  /** Aborts the loop and waits for it to return. */
  stop(): Promise<void>;
}

/**
 * Starts an outbox relay with test-sized settings (small batches, backoffs
 * in milliseconds, a short poll interval, silent logs) unless overridden.
 */
export function startTestRelay(
  options: { db: Kysely<any>; amqpUrl: string; exchange: string } & Partial<OutboxRelayOptions>,
): TestRelay {
  const registry = options.registry ?? new Registry();
  const relay = createOutboxRelay({
    producer: "ledger",
    batchSize: 100,
    maxAttempts: 10,
    backoff: { baseMs: 20, maxMs: 200 },
    pollIntervalMs: 20,
    logger: createSilentLogger(),
    ...options,
    registry,
  });
  const controller = new AbortController();
  const running = relay.run(controller.signal);
  return {
    relay,
    registry,
    async stop() {
      controller.abort();
      await running;
    },
  };
}
