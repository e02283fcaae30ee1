import type { Kysely } from "kysely";
import { createQueueReplayPublisher, replayDeadLetters } from "#platform/consumer/index.js";
import { RISK_CONSUMER_NAME } from "./event-handler.js";
import { claimDeadLettersById, markReplayed } from "./storage/dead-letters.repository.js";

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
    if (!options.ids || options.ids.length === 0) return await replayDeadLetters(db, { consumer, limit: options.limit }, publisher.publish);
    const ids = options.ids;
    // Same contract as replayDeadLetters, restricted to the given rows.
    return await db.transaction().execute(async (trx) => {
      const letters = await claimDeadLettersById(trx, consumer, ids, options.limit);
      const published: string[] = [];
      try {
        for (const letter of letters) {
          await publisher.publish(letter);
          published.push(letter.id);
        }
      } finally {
        await markReplayed(trx, published);
      }
      return published.length;
    });
  } finally {
    await publisher.close();
  }
}
