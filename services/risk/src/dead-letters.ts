import type { Kysely } from "kysely";
import { replayDeadLettersToQueue } from "#platform/consumer/index.js";
import { RISK_CONSUMER_NAME } from "./event-handler.js";

/**
 * Replays up to `limit` of the risk consumer's dead letters (only `ids`, when
 * given), oldest first, back into its own work queue (not the exchange). An
 * event processed since changes nothing (`processed_events`). Returns how
 * many were replayed.
 */
export function replayRiskDeadLetters(
  db: Kysely<any>,
  options: { amqpUrl: string; queue: string; limit: number; ids?: readonly string[]; consumer?: string },
): Promise<number> {
  return replayDeadLettersToQueue(db, { ...options, consumer: options.consumer ?? RISK_CONSUMER_NAME });
}
