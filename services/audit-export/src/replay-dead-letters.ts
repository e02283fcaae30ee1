/**
 * Sends dead-lettered batches again, oldest range first, once whatever made
 * the receiver refuse them is fixed: each under its own webhook-id, re-signed
 * with a fresh timestamp, exactly the body that was refused. A delivered one
 * is marked replayed and never sent by a replay again; a failed one stays a
 * dead letter with its new error. Replays may run beside the exporter and
 * beside each other (each dead letter is locked while it is sent).
 */
import type { Kysely } from "kysely";
import type { AuditExportDatabase } from "./storage/audit-export.table.js";
import { claimDeadLetter, countReplayableDeadLetters, listReplayableDeadLetters, recordReplay } from "./storage/export.repository.js";
import type { WebhookSender } from "./webhook-sender.js";

/** Most dead letters one replay sends. */
export const MAX_REPLAY_LIMIT = 1_000;

/** What a replay did: delivered, failed (still dead letters), and dead letters left to replay. */
export interface ReplayResult {
  readonly replayed: number;
  readonly failed: number;
  readonly remaining: number;
}

/** Replays up to `limit` dead letters through `webhook`. */
export async function replayDeadLetters(
  deps: { readonly db: Kysely<AuditExportDatabase>; readonly webhook: WebhookSender; readonly signal?: AbortSignal },
  options: { readonly limit: number },
): Promise<ReplayResult> {
  const signal = deps.signal ?? new AbortController().signal;
  let replayed = 0;
  let failed = 0;
  for (const batchId of await listReplayableDeadLetters(deps.db, Math.min(options.limit, MAX_REPLAY_LIMIT))) {
    if (signal.aborted) break;
    await deps.db.transaction().execute(async (trx) => {
      const letter = await claimDeadLetter(trx, batchId);
      if (!letter) return; // replayed meanwhile, or another replay is sending it
      const result = await deps.webhook.send(letter.batchId, letter.body, signal);
      if (result.verdict === "delivered") {
        replayed++;
        await recordReplay(trx, letter.batchId, { delivered: true });
      } else if (result.verdict !== "aborted") {
        failed++;
        await recordReplay(trx, letter.batchId, { delivered: false, status: result.status, error: result.error ?? "webhook failed" });
      }
    });
  }
  return { replayed, failed, remaining: await countReplayableDeadLetters(deps.db) };
}
