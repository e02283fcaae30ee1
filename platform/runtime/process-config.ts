import { z } from "zod";
import { amqpUrl, postgresUrl, processConfigSchema, redisUrl, workerConfigSchema } from "../config/index.js";
import { databaseIsolationConfigSchema, sharedDatabaseFallback, sharedDatabaseUrl, type DatabaseUrlSource } from "../db/index.js";
import { internalAuthConfigSchema } from "../internal-auth/index.js";
import type { DatabaseEnv, ProcessEntry } from "../mesh/catalogue.js";

/** Default local servers, the ones `npm start` and the tests find on loopback. */
export const LOCAL_REDIS_URL = "redis://127.0.0.1:6379";
export const LOCAL_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672";

/** A postgres:// URL, as the database variables take it. */
const DATABASE_URL_FORM = "a postgres:// URL";

/**
 * The database variables of a process using `variable`: that one, required
 * (a service never guesses which database it owns), except for a variable
 * that may fall back to another's database (`AUDIT_EXPORT_DATABASE_URL` on
 * `BACKOFFICE_DATABASE_URL`): both are then optional here and
 * {@link processDatabase} requires one of them.
 */
function databaseFields(variable: DatabaseEnv): Record<string, z.ZodType<string | undefined>> {
  const fallback = sharedDatabaseFallback(variable);
  if (!fallback) return { [variable]: postgresUrl() };
  return { [variable]: postgresUrl().optional(), [fallback.env]: postgresUrl().optional() };
}

/**
 * The environment every mesh process reads, derived from its catalogue entry:
 * ports, logging, Redis, RabbitMQ, internal auth, and its database variable
 * (see {@link databaseFields}).
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
    ...(entry.databaseEnv ? databaseFields(entry.databaseEnv) : {}),
  });
}

/** The database a process uses, from its parsed configuration. */
export interface ProcessDatabase {
  /** The catalogue's variable for it, e.g. `AUDIT_EXPORT_DATABASE_URL`. */
  readonly variable: DatabaseEnv;
  readonly url: string;
  /** `env`: its own variable; `shared-backoffice`: the backoffice's database, in {@link ProcessDatabase.schema}. */
  readonly source: Extract<DatabaseUrlSource, "env" | "shared-backoffice">;
  /** The schema holding the process's tables inside a shared database (its pool's `search_path`). */
  readonly schema?: string;
}

/**
 * The database of `entry`, from `config` parsed with
 * {@link meshProcessConfigSchema}: its own variable, or for the audit
 * exporter with `AUDIT_EXPORT_DATABASE_URL` unset, an explicitly set
 * `BACKOFFICE_DATABASE_URL` (its tables in schema `audit_export`).
 * Undefined for a process without a database.
 * @throws Error naming the process's own variable when neither is set.
 */
export function processDatabase(entry: ProcessEntry, config: Readonly<Record<string, unknown>>): ProcessDatabase | undefined {
  const variable = entry.databaseEnv;
  if (!variable) return undefined;
  const own = config[variable];
  if (typeof own === "string" && own.trim() !== "") return { variable, url: own, source: "env" };
  const shared = sharedDatabaseUrl(variable, config);
  if (shared) return { variable, url: shared.url, source: "shared-backoffice", schema: shared.schema };
  const fallback = sharedDatabaseFallback(variable);
  throw new Error(
    fallback
      ? `${variable} is required: ${DATABASE_URL_FORM} (or leave it unset and set ${fallback.env} to keep the tables in that database's schema ${fallback.schema})`
      : `${variable} is required: ${DATABASE_URL_FORM}`,
  );
}

/** The parsed form of {@link meshProcessConfigSchema}, with the optional database URL. */
export type MeshProcessConfig = z.output<ReturnType<typeof meshProcessConfigSchema>> & {
  readonly GRPC_PORT?: number;
} & Partial<Record<NonNullable<ProcessEntry["databaseEnv"]>, string>>;
