import { databases, type DatabaseEnv, type ServiceName } from "../mesh/catalogue.js";
import { withDatabase } from "./ensure-database.js";

/** The local PostgreSQL `npm start`, `npm run migrate` and the examples use. */
export const LOCAL_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** A row of the catalogue's `databases` list. */
export type DatabaseEntry = (typeof databases)[number];

/** Where a resolved database URL came from. */
export type DatabaseUrlSource = "env" | "shared-backoffice" | "local-default";

/**
 * The development URL of a service database: the catalogue's `localName` on
 * the local server (or on `serverUrl`, e.g. a PostgreSQL testcontainer).
 */
export function localDatabaseUrl(entry: Pick<DatabaseEntry, "localName">, serverUrl = LOCAL_POSTGRES_URL): string {
  return withDatabase(serverUrl, entry.localName);
}

/** Looks a database up by its variable or owning service; throws on an unknown one. */
export function databaseEntry(variableOrOwner: DatabaseEnv | ServiceName | string): DatabaseEntry {
  const entry = databases.find((d) => d.env === variableOrOwner || d.owner === variableOrOwner);
  if (!entry) {
    const known = databases.map((d) => d.owner).join(", ");
    throw new Error(`no database is owned by "${variableOrOwner}" (known: ${known})`);
  }
  return entry;
}

/**
 * The PostgreSQL schema the audit exporter's tables (and its migration
 * bookkeeping) live in when it runs inside the backoffice's database.
 */
export const AUDIT_EXPORT_SHARED_SCHEMA = "audit_export";

/** A resolved database URL; `schema` is set when the service lives in a schema of its own inside another's database. */
export interface ResolvedDatabaseUrl {
  readonly url: string;
  readonly source: DatabaseUrlSource;
  /** The schema holding the service's tables (its pool's `search_path`); absent in a database of its own. */
  readonly schema?: string;
}

/**
 * The one database a service may share (the brief lets the audit exporter use
 * the backoffice database "explicitly"): its variable, and the variable whose
 * database it then uses.
 */
const SHARED_FALLBACKS: Partial<Record<DatabaseEnv, { readonly env: DatabaseEnv; readonly schema: string }>> = {
  AUDIT_EXPORT_DATABASE_URL: { env: "BACKOFFICE_DATABASE_URL", schema: AUDIT_EXPORT_SHARED_SCHEMA },
};

/**
 * The variable whose database `variable` may use when it is unset, and the
 * schema its tables then live in (only `AUDIT_EXPORT_DATABASE_URL` has one).
 */
export function sharedDatabaseFallback(variable: DatabaseEnv): { readonly env: DatabaseEnv; readonly schema: string } | undefined {
  return SHARED_FALLBACKS[variable];
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * The shared database of `variable`, when `variable` is unset and its
 * fallback is set explicitly: for `AUDIT_EXPORT_DATABASE_URL`, the
 * `BACKOFFICE_DATABASE_URL` database, in schema `audit_export`. Undefined
 * otherwise (its own variable set, or no fallback set). `env` is the
 * environment or a configuration parsed from it.
 */
export function sharedDatabaseUrl(variable: DatabaseEnv, env: Readonly<Record<string, unknown>>): ResolvedDatabaseUrl | undefined {
  const fallback = SHARED_FALLBACKS[variable];
  if (!fallback || nonEmpty(env[variable])) return undefined;
  const url = nonEmpty(env[fallback.env]);
  return url ? { url, source: "shared-backoffice", schema: fallback.schema } : undefined;
}

/**
 * The URL a process should use for `variable`:
 * 1. the variable itself when set;
 * 2. for `AUDIT_EXPORT_DATABASE_URL` only, an explicitly set
 *    `BACKOFFICE_DATABASE_URL`, with the exporter's tables in schema
 *    `audit_export` ({@link sharedDatabaseUrl});
 * 3. outside production, {@link localDatabaseUrl};
 * otherwise it throws naming the variable.
 */
export function resolveDatabaseUrl(
  variable: DatabaseEnv,
  env: NodeJS.ProcessEnv = process.env,
  options: { serverUrl?: string } = {},
): ResolvedDatabaseUrl {
  const own = nonEmpty(env[variable]);
  if (own) return { url: own, source: "env" };
  const shared = sharedDatabaseUrl(variable, env);
  if (shared) return shared;
  if (env.NODE_ENV !== "production") {
    return { url: localDatabaseUrl(databaseEntry(variable), options.serverUrl), source: "local-default" };
  }
  throw new Error(`${variable} is not set: expected a PostgreSQL URL such as postgres://user:password@host:5432/dbname`);
}
