import type { Kysely } from "kysely";
import { createQueueReplayPublisher, replayDeadLetters } from "#platform/consumer/index.js";
import { RISK_CONSUMER_NAME } from "./event-handler.js";

/**
 * Replays up to `limit` of the risk consumer's dead letters (only `ids`, when
 * given), oldest first, back into its own work queue (not the exchange). An
 * event processed since changes nothing (`processed_events`). Returns how
 * many were replayed.
 */
export async function replayRiskDeadLetters(
  db: Kysely<any>,
  options: { amqpUrl: string; queue: string; limit: number; ids?: readonly string[]; consumer?: string },
): Promise<number> {
  const consumer = options.consumer ?? RISK_CONSUMER_NAME;
  const publisher = await createQueueReplayPublisher({ amqpUrl: options.amqpUrl, queue: options.queue });
  try {
    const ids = options.ids?.length ? options.ids : undefined;
    return await replayDeadLetters(db, { consumer, limit: options.limit, ids }, publisher.publish);
  } finally {
    await publisher.close();
  }
}
