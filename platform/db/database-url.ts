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

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * The URL a process should use for `variable`:
 * 1. the variable itself when set;
 * 2. for `AUDIT_EXPORT_DATABASE_URL` only, an explicitly set
 *    `BACKOFFICE_DATABASE_URL` (the brief lets the audit exporter read the
 *    backoffice database it exports from, when it has no database of its own);
 * 3. outside production, {@link localDatabaseUrl};
 * otherwise it throws naming the variable.
 */
export function resolveDatabaseUrl(
  variable: DatabaseEnv,
  env: NodeJS.ProcessEnv = process.env,
  options: { serverUrl?: string } = {},
): { url: string; source: DatabaseUrlSource } {
  const own = nonEmpty(env[variable]);
  if (own) return { url: own, source: "env" };
  const backoffice = nonEmpty(env.BACKOFFICE_DATABASE_URL);
  if (variable === "AUDIT_EXPORT_DATABASE_URL" && backoffice) return { url: backoffice, source: "shared-backoffice" };
  if (env.NODE_ENV !== "production") {
    return { url: localDatabaseUrl(databaseEntry(variable), options.serverUrl), source: "local-default" };
  }
  throw new Error(`${variable} is not set: expected a PostgreSQL URL such as postgres://user:password@host:5432/dbname`);
}
