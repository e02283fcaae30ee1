/**
 * Re-queues dead-lettered outbox rows of one service so its relay publishes
 * them again, once whatever made them fail is fixed (ops tool).
 *
 *   npm run ledger:replay-outbox -- --limit 200
 *   tsx scripts/outbox/replay.ts <service> [--limit N] [--producer NAME]
 *
 * The database comes from the service's variable (LEDGER_DATABASE_URL, ...)
 * or, outside production, the local default. Prints how many rows were
 * re-queued; exits 2 on bad arguments, 1 on failure.
 */
import { parseArgs } from "node:util";
import { maskUrlCredentials } from "../../platform/config/index.js";
import { closeDb, createDb, databaseEntry, resolveDatabaseUrl } from "../../platform/db/index.js";
import { replayDeadOutboxEvents } from "../../platform/outbox/index.js";

const usage = "usage: replay.ts <service> [--limit N] [--producer NAME]";

async function main(argv: string[]): Promise<number> {
  let service: string;
  let limit: number;
  let producer: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv.filter((a) => a !== "--"),
      allowPositionals: true,
      options: { limit: { type: "string", default: "100" }, producer: { type: "string" } },
    });
    if (positionals.length !== 1) throw new Error("name exactly one service");
    service = positionals[0]!;
    limit = Number(values.limit);
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new Error(`--limit must be a positive integer, got "${values.limit}"`);
    producer = values.producer;
    databaseEntry(service);
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }

  const entry = databaseEntry(service);
  const { url } = resolveDatabaseUrl(entry.env);
  const db = createDb(url, { poolSize: 1, applicationName: `replay-outbox-${entry.owner}` });
  try {
    const requeued = await replayDeadOutboxEvents(db, { limit, producer });
    console.log(`${entry.owner} (${maskUrlCredentials(url)}): re-queued ${requeued} dead outbox event${requeued === 1 ? "" : "s"}`);
    return 0;
  } catch (err) {
    console.error(`${entry.owner}: replay failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await closeDb(db);
  }
}

process.exitCode = await main(process.argv.slice(2));
