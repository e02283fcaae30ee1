/**
 * Replays the risk consumer's dead letters into its work queue once whatever
 * made them fail is fixed (ops tool). Replaying an event already processed
 * changes nothing.
 *
 *   npm run risk:replay-dead-letters -- --limit 200
 *
 * Database: OPS_RISK_DATABASE_URL or, outside production, the local default.
 * RabbitMQ: AMQP_URL (default the local broker); queue: RISK_CONSUMER_QUEUE
 * (default "risk.ledger-events"). Prints how many were replayed; exits 2 on
 * bad arguments, 1 on failure.
 */
import { parseArgs } from "node:util";
import { maskUrlCredentials } from "../../platform/config/index.js";
import { closeDb, createDb, resolveDatabaseUrl } from "../../platform/db/index.js";
import { LOCAL_AMQP_URL } from "../../platform/runtime/index.js";
import { defaultRiskConsumerConfig } from "../../services/risk/src/consumer-config.js";
import { replayRiskDeadLetters } from "../../services/risk/src/dead-letters.js";

const usage = "usage: replay-dead-letters.ts [--limit N]";

async function main(argv: string[]): Promise<number> {
  let limit: number;
  try {
    const { values, positionals } = parseArgs({
      args: argv.filter((a) => a !== "--"),
      allowPositionals: true,
      options: { limit: { type: "string", default: "200" } },
    });
    if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
    limit = Number(values.limit);
    if (!Number.isSafeInteger(limit) || limit <= 0) throw new Error(`--limit must be a positive integer, got "${values.limit}"`);
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }

  const { url } = resolveDatabaseUrl("OPS_RISK_DATABASE_URL");
  const amqpUrl = process.env.AMQP_URL?.trim() || LOCAL_AMQP_URL;
  const queue = process.env.RISK_CONSUMER_QUEUE?.trim() || defaultRiskConsumerConfig.RISK_CONSUMER_QUEUE;
  const db = createDb(url, { poolSize: 1, applicationName: "risk-replay-dead-letters" });
  try {
    const replayed = await replayRiskDeadLetters(db, { amqpUrl, queue, limit });
    console.log(`risk (${maskUrlCredentials(url)}, queue ${queue}): replayed ${replayed} dead letter${replayed === 1 ? "" : "s"}`);
    return 0;
  } catch (err) {
    console.error(`risk: replay failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await closeDb(db);
  }
}

process.exitCode = await main(process.argv.slice(2));
