import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { withSearchPath } from "./search-path.js";

/** PostgreSQL type ids whose default text parsing we override. */
const INT8_OID = 20;
/** `_int8`, absent from pg's TypeId enum of scalar types. */
const INT8_ARRAY_OID = 1016 as (typeof pg.types.builtins)[keyof typeof pg.types.builtins];

let typeParsersInstalled = false;

/**
 * Makes `int8` (bigint) columns arrive as JavaScript `BigInt`, never `number`
 * or `string`: money is stored as int64 minor units and must stay exact end to
 * end, matching protobuf-es's `bigint` for int64. `numeric` keeps pg's default
 * (a string) so no precision is lost. The parsers are global to the `pg`
 * module, so this runs once per process.
 */
export function installTypeParsers(): void {
  if (typeParsersInstalled) return;
  typeParsersInstalled = true;
  pg.types.setTypeParser(INT8_OID, (value: string) => BigInt(value));
  const parseTextArray = pg.types.getTypeParser(INT8_ARRAY_OID) as (value: string) => Array<string | null>;
  pg.types.setTypeParser(INT8_ARRAY_OID, (value: string) =>
    parseTextArray(value).map((item) => (item === null ? null : BigInt(item))),
  );
}

/** Options for {@link createDb}. */
export interface CreateDbOptions {
  /** Maximum pooled connections (pg's default is 10). */
  readonly poolSize?: number;
  /** Shown in `pg_stat_activity.application_name`, e.g. the process name. */
  readonly applicationName?: string;
  /** Milliseconds to wait for a connection before failing; default 10s. */
  readonly connectionTimeoutMs?: number;
  /**
   * A schema every connection resolves unqualified names in (`search_path`),
   * for a service whose tables live in a schema of its own inside another
   * service's database; default: the server's (`public`).
   */
  readonly searchPath?: string;
}

/**
 * Creates a Kysely instance over its own `pg.Pool` for one service database.
 * Close it with {@link closeDb} (or `db.destroy()`) on shutdown.
 */
export function createDb<DB>(url: string, options: CreateDbOptions = {}): Kysely<DB> {
  installTypeParsers();
  const pool = new pg.Pool({
    connectionString: options.searchPath === undefined ? url : withSearchPath(url, options.searchPath),
    max: options.poolSize ?? 10,
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
  });
  // A client losing its connection (server restart, failover, a cut network)
  // emits "error": an idle one on the pool, one checked out (mid-transaction)
  // on itself. Unheard, either is an uncaught exception that kills the
  // process; the query in flight rejects anyway, the next one gets a fresh
  // connection, and readiness reports the outage meanwhile.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

/** Closes the pool behind a Kysely instance created by {@link createDb}. */
export async function closeDb(db: Kysely<any>): Promise<void> {
  await db.destroy();
}
