/**
 * Re-queues the notification delivery worker's dead letters (oldest first)
 * with a fresh attempt budget, once whatever made them fail is fixed (ops
 * tool); the same as the ReplayDeadLetters RPC. Replaying a notification
 * already sent changes nothing.
 *
 *   npm run notification:replay -- --limit 200 [--channel EMAIL|SMS|PUSH]
 *
 * Database: NOTIFICATION_DATABASE_URL or, outside production, the local
 * default. Prints `{"replayed":N,"remaining":M}`; exits 2 on bad arguments,
 * 1 on failure.
 */
import { parseArgs } from "node:util";
import { closeDb, createDb, resolveDatabaseUrl } from "../../platform/db/index.js";
import { MAX_REPLAY_LIMIT, replayDeadLetters } from "../../services/notification/src/dead-letters.js";
import type { ChannelName, NotificationDatabase } from "../../services/notification/src/storage/notification.table.js";

const usage = `usage: replay.ts [--limit N (1-${MAX_REPLAY_LIMIT}, default 200)] [--channel EMAIL|SMS|PUSH]`;
const channels: readonly ChannelName[] = ["EMAIL", "SMS", "PUSH"];

/** The validated flags; throws a message naming the bad flag. */
function parseFlags(argv: string[]): { limit: number; channel: ChannelName | undefined } {
  const { values, positionals } = parseArgs({
    args: argv.filter((a) => a !== "--"),
    allowPositionals: true,
    options: { limit: { type: "string", default: "200" }, channel: { type: "string" } },
  });
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
  const limit = Number(values.limit);
  if (!/^\d+$/.test(values.limit) || !Number.isSafeInteger(limit) || limit <= 0 || limit > MAX_REPLAY_LIMIT) {
    throw new Error(`--limit must be an integer from 1 to ${MAX_REPLAY_LIMIT}, got "${values.limit}"`);
  }
  const channel = values.channel?.toUpperCase();
  if (channel !== undefined && !channels.includes(channel as ChannelName)) {
    throw new Error(`--channel must be one of ${channels.join(", ")}, got "${values.channel}"`);
  }
  return { limit, channel: channel as ChannelName | undefined };
}

async function main(argv: string[]): Promise<number> {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }

  const { url } = resolveDatabaseUrl("NOTIFICATION_DATABASE_URL");
  const db = createDb<NotificationDatabase>(url, { poolSize: 1, applicationName: "notification-replay" });
  try {
    const { replayed, remaining } = await replayDeadLetters(db, flags);
    console.log(JSON.stringify({ replayed, remaining }));
    return 0;
  } catch (err) {
    console.error(`notification: replay failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await closeDb(db);
  }
}

process.exitCode = await main(process.argv.slice(2));
