import { z } from "zod";
import { amqpUrl, postgresUrl, processConfigSchema, redisUrl, workerConfigSchema } from "../config/index.js";
import { databaseIsolationConfigSchema } from "../db/index.js";
import { internalAuthConfigSchema } from "../internal-auth/index.js";
import type { ProcessEntry } from "../mesh/catalogue.js";

/** Default local servers, the ones `npm start` and the tests find on loopback. */
export const LOCAL_REDIS_URL = "redis://127.0.0.1:6379";
export const LOCAL_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672";

/**
 * The environment every mesh process reads, derived from its catalogue entry:
 * ports, logging, Redis, RabbitMQ, internal auth, and its own database variable
 * (required: a service never guesses which database it owns).
 */
export function meshProcessConfigSchema(entry: ProcessEntry) {
  const base =
    entry.grpcPort === undefined
      ? workerConfigSchema({ adminPort: entry.adminPort })
      : processConfigSchema({ grpcPort: entry.grpcPort, adminPort: entry.adminPort });
  return base.extend({
    ...internalAuthConfigSchema.shape,
    ...databaseIsolationConfigSchema.shape,
    REDIS_URL: redisUrl(LOCAL_REDIS_URL),
    AMQP_URL: amqpUrl(LOCAL_AMQP_URL),
    ...(entry.databaseEnv ? { [entry.databaseEnv]: postgresUrl() } : {}),
  });
}

/** The parsed form of {@link meshProcessConfigSchema}, with the optional database URL. */
export type MeshProcessConfig = z.output<ReturnType<typeof meshProcessConfigSchema>> & {
  readonly GRPC_PORT?: number;
} & Partial<Record<NonNullable<ProcessEntry["databaseEnv"]>, string>>;
