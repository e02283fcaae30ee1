import { z } from "zod";
import { databases, type DatabaseEnv } from "../mesh/catalogue.js";
import { databaseNameOf } from "./ensure-database.js";

/**
 * Database-per-service enforcement (`DATABASE_ISOLATION_MODE`).
 *
 * Two services violate isolation when their configured `*_DATABASE_URL`
 * variables name the same database on the same server (host and port
 * normalised, loopback spellings treated as one host, user and options
 * ignored). Only variables that are set are compared.
 *
 * The audit exporter: the brief allows it to use the backoffice database
 * "explicitly". We read that as: leave `AUDIT_EXPORT_DATABASE_URL` unset and
 * set `BACKOFFICE_DATABASE_URL`; the exporter then uses the backoffice URL
 * with its tables in a schema of its own, `audit_export` (see
 * `sharedDatabaseUrl`), and that is not a violation. Setting
 * `AUDIT_EXPORT_DATABASE_URL` to the backoffice database is reported like any
 * other share, because it looks exactly like a copy-paste accident.
 */

/** `strict` refuses to start, `warn` logs, `off` does nothing. */
export type IsolationMode = "strict" | "warn" | "off";

/** One variable whose database is also named by other variables. */
export interface IsolationViolation {
  readonly variable: DatabaseEnv;
  readonly sharedWith: DatabaseEnv[];
  /** The normalised `host:port/database`. */
  readonly database: string;
}

/** Environment fragment a process config can merge. */
export const databaseIsolationConfigSchema = z.object({
  DATABASE_ISOLATION_MODE: z.enum(["strict", "warn", "off"]).optional(),
});

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]", ""]);

/** Normalises a PostgreSQL URL to `host:port/database` for comparison. */
export function databaseIdentity(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.trim();
  }
  // libpq also accepts the host (a Unix socket directory) as a query parameter.
  const host = (parsed.searchParams.get("host") ?? parsed.hostname).toLowerCase();
  const port = parsed.port || parsed.searchParams.get("port") || "5432";
  const normalisedHost = LOOPBACK.has(host) || host.startsWith("/") ? "localhost" : host;
  return `${normalisedHost}:${port}/${databaseNameOf(url)}`;
}

/** Lists every configured database variable that shares its database with another. */
export function findIsolationViolations(env: NodeJS.ProcessEnv = process.env): IsolationViolation[] {
  const byDatabase = new Map<string, DatabaseEnv[]>();
  for (const { env: variable } of databases) {
    const url = env[variable]?.trim();
    if (!url) continue;
    const id = databaseIdentity(url);
    byDatabase.set(id, [...(byDatabase.get(id) ?? []), variable]);
  }
  const violations: IsolationViolation[] = [];
  for (const [database, variables] of byDatabase) {
    if (variables.length < 2) continue;
    for (const variable of variables) {
      violations.push({ variable, sharedWith: variables.filter((v) => v !== variable), database });
    }
  }
  return violations;
}

/** The configured mode; defaults to `strict` in production and `warn` elsewhere. */
export function isolationMode(env: NodeJS.ProcessEnv = process.env): IsolationMode {
  const raw = env.DATABASE_ISOLATION_MODE?.trim();
  if (!raw) return env.NODE_ENV === "production" ? "strict" : "warn";
  const parsed = databaseIsolationConfigSchema.shape.DATABASE_ISOLATION_MODE.safeParse(raw);
  if (!parsed.success || !parsed.data) {
    throw new Error(`DATABASE_ISOLATION_MODE must be one of strict, warn, off (got "${raw}")`);
  }
  return parsed.data;
}

/** Formats a violation as one line naming every variable involved. */
export function describeViolation(v: IsolationViolation): string {
  return `${v.variable} shares database ${v.database} with ${v.sharedWith.join(", ")}`;
}

/**
 * Start-up guard for a process using `processDatabaseEnv`. When its database
 * is shared with another service's configured URL: `strict` throws (naming
 * both variables), `warn` calls `warn`, `off` ignores it. Returns the
 * violations concerning this process.
 */
export function assertDatabaseIsolation(
  processDatabaseEnv: DatabaseEnv,
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = (m) => console.warn(m),
): IsolationViolation[] {
  const mode = isolationMode(env);
  if (mode === "off") return [];
  const mine = findIsolationViolations(env).filter((v) => v.variable === processDatabaseEnv);
  for (const violation of mine) {
    const message = `database isolation: ${describeViolation(violation)}`;
    if (mode === "strict") {
      throw new Error(`${message} (DATABASE_ISOLATION_MODE=strict refuses a shared database; give each service its own)`);
    }
    warn(message);
  }
  return mine;
}
