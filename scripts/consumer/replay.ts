/**
 * Replays the dead letters of one service's event consumer (events it could
 * not handle) into the consumer's own work queue, once whatever made them
 * fail is fixed (ops tool). An event processed since changes nothing.
 *
 *   npm run risk:replay-dead-letters -- --limit 200
 *   npm run notification:replay-events -- --limit 200
 *   tsx scripts/consumer/replay.ts <risk|notification> [--limit N]
 *
 * Database: the service's variable (OPS_RISK_DATABASE_URL,
 * NOTIFICATION_DATABASE_URL) or, outside production, the local default.
 * RabbitMQ: AMQP_URL (default the local broker); queue: the consumer's queue
 * variable (RISK_CONSUMER_QUEUE, NOTIFICATION_CONSUMER_QUEUE) or its default.
 * Prints how many were replayed; exits 2 on bad arguments, 1 on failure.
 */
import { parseArgs } from "node:util";
import { maskUrlCredentials } from "../../platform/config/index.js";
import { replayDeadLettersToQueue } from "../../platform/consumer/index.js";
import { closeDb, createDb, resolveDatabaseUrl } from "../../platform/db/index.js";
import { LOCAL_AMQP_URL } from "../../platform/runtime/index.js";
import { defaultNotificationConsumerConfig } from "../../services/notification/src/consumer-config.js";
import { NOTIFICATION_CONSUMER_NAME } from "../../services/notification/src/event-handler.js";
import { defaultRiskConsumerConfig } from "../../services/risk/src/consumer-config.js";
import { RISK_CONSUMER_NAME } from "../../services/risk/src/event-handler.js";

/** Every service with an event consumer: its name, database and work queue. */
const consumers = {
  risk: {
    consumer: RISK_CONSUMER_NAME,
    databaseEnv: "OPS_RISK_DATABASE_URL",
    queueEnv: "RISK_CONSUMER_QUEUE",
    defaultQueue: defaultRiskConsumerConfig.RISK_CONSUMER_QUEUE,
  },
  notification: {
    consumer: NOTIFICATION_CONSUMER_NAME,
    databaseEnv: "NOTIFICATION_DATABASE_URL",
    queueEnv: "NOTIFICATION_CONSUMER_QUEUE",
    defaultQueue: defaultNotificationConsumerConfig.NOTIFICATION_CONSUMER_QUEUE,
  },
} as const;

type ServiceName = keyof typeof consumers;
const usage = `usage: replay.ts <${Object.keys(consumers).join("|")}> [--limit N]`;

/** The validated arguments; throws a message naming the bad one. */
function parse(argv: string[]): { service: ServiceName; limit: number } {
  const { values, positionals } = parseArgs({
    args: argv.filter((a) => a !== "--"),
    allowPositionals: true,
    options: { limit: { type: "string", default: "200" } },
  });
  if (positionals.length !== 1) throw new Error("name exactly one service");
  const service = positionals[0]!;
  if (!Object.hasOwn(consumers, service)) throw new Error(`"${service}" has no event consumer`);
  const limit = Number(values.limit);
  if (!/^\d+$/.test(values.limit) || !Number.isSafeInteger(limit) || limit <= 0) {
    throw new Error(`--limit must be a positive integer, got "${values.limit}"`);
  }
  return { service: service as ServiceName, limit };
}

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  const target = consumers[args.service];
  const { url } = resolveDatabaseUrl(target.databaseEnv);
  const amqpUrl = process.env.AMQP_URL?.trim() || LOCAL_AMQP_URL;
  const queue = process.env[target.queueEnv]?.trim() || target.defaultQueue;
  const db = createDb(url, { poolSize: 1, applicationName: `${args.service}-replay-dead-letters` });
  try {
    const replayed = await replayDeadLettersToQueue(db, { amqpUrl, queue, consumer: target.consumer, limit: args.limit });
    console.log(`${args.service} (${maskUrlCredentials(url)}, queue ${queue}): replayed ${replayed} dead letter${replayed === 1 ? "" : "s"}`);
    return 0;
  } catch (err) {
    console.error(`${args.service}: replay failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await closeDb(db);
  }
}

process.exitCode = await main(process.argv.slice(2));
