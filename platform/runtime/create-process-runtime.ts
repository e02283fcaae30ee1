import { Redis } from "ioredis";
import type { Kysely } from "kysely";
import type { z } from "zod";
import { loadConfig, type Env } from "../config/index.js";
import { assertDatabaseIsolation, closeDb, createDb, dbReadinessCheck } from "../db/index.js";
import type { ReadinessCheck } from "../health/index.js";
import { createInternalAuth, type InternalAuth } from "../internal-auth/index.js";
import { createLogger, type Logger } from "../logging/index.js";
import { createMetrics, type Metrics } from "../metrics/index.js";
import { callersOfProcess } from "../mesh/call-graph.js";
import { processByName, type ProcessEntry } from "../mesh/catalogue.js";
import { meshProcessConfigSchema, processDatabase, type MeshProcessConfig, type ProcessDatabase } from "./process-config.js";

/** What a mesh process has once its configuration is read and its connections opened. */
export interface ProcessRuntime<Extra extends z.ZodRawShape = {}> {
  readonly entry: ProcessEntry;
  readonly config: Readonly<MeshProcessConfig & z.output<z.ZodObject<Extra>>>;
  readonly logger: Logger;
  /** The process's metrics registry, served on its admin port; modules register their own metrics here. */
  readonly metrics: Metrics;
  /** Where its database is: its own variable's, or the backoffice's with a schema of its own (the audit exporter's shared mode). */
  readonly database: ProcessDatabase | undefined;
  /** The process's database pool (its `search_path` the schema in shared mode), when the catalogue gives it one. */
  readonly db: Kysely<any> | undefined;
  readonly redis: Redis;
  readonly internalAuth: InternalAuth;
  /** Database and Redis probes for `/readyz`. */
  readonly readiness: ReadinessCheck[];
  /** Closes the pools; called after in-flight calls have drained. */
  close(): Promise<void>;
}

/**
 * Reads and validates the process's configuration once (stopping the process
 * with a message naming any bad variable), enforces database isolation, and
 * opens the database pool and the Redis connection. Nothing is migrated here:
 * migrations are the release command's job (`npm run migrate`).
 */
export function createProcessRuntime<Extra extends z.ZodRawShape = {}>(
  processName: string,
  options: { extraConfig?: Extra; env?: Env } = {},
): ProcessRuntime<Extra> {
  const entry = processByName(processName);
  const env = options.env ?? process.env;
  const schema = meshProcessConfigSchema(entry).extend(options.extraConfig ?? {});
  const config = loadConfig(schema, env) as ProcessRuntime<Extra>["config"];
  const logger = createLogger({ service: entry.name, level: config.LOG_LEVEL });

  // Rules that span several variables: a violation stops the process like a bad variable.
  const stopOn = <T>(check: () => T): T => {
    try {
      return check();
    } catch (err) {
      console.error(`invalid configuration: ${(err as Error).message}`);
      process.exit(1);
    }
  };
  if (entry.databaseEnv) {
    const variable = entry.databaseEnv;
    stopOn(() => assertDatabaseIsolation(variable, env as NodeJS.ProcessEnv, (message) => logger.warn(message)));
  }

  const database = stopOn(() => processDatabase(entry, config));
  if (database?.source === "shared-backoffice") {
    logger.info({ schema: database.schema }, `${database.variable} is unset: using BACKOFFICE_DATABASE_URL's database, schema ${database.schema}`);
  }
  const db = database ? createDb(database.url, { applicationName: entry.name, searchPath: database.schema }) : undefined;
  // Commands queue while Redis is away rather than failing the process; /readyz reports it.
  const redis = new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));

  // Unless INTERNAL_AUTH_ALLOWED_CALLERS says otherwise, only the callers the call graph lets call this process get in.
  const internalAuth = stopOn(() =>
    createInternalAuth({ config, callerId: entry.service, redis, env: env as NodeJS.ProcessEnv, defaultAllowedCallers: callersOfProcess(entry.service) }),
  );
  const readiness: ReadinessCheck[] = [
    ...(db ? [dbReadinessCheck(db)] : []),
    { name: "redis", check: async () => void (await redis.ping()) },
  ];

  return {
    entry,
    config,
    logger,
    metrics: createMetrics({ service: entry.name }),
    database,
    db,
    redis,
    internalAuth,
    readiness,
    async close() {
      await Promise.allSettled([db ? closeDb(db) : Promise.resolve(), redis.quit()]);
    },
  };
}
