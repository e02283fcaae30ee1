/**
 * A service that lives inside another service's database keeps its tables in
 * a PostgreSQL schema of its own; its connections resolve unqualified names in
 * that schema only, so its queries and migrations never see the host's tables.
 */

/** A plain, lower-case PostgreSQL identifier: safe unquoted in `search_path` and in DDL. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Returns `schema` when it is a plain lower-case identifier (`audit_export`).
 * @throws Error naming the value otherwise.
 */
export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`"${schema}" is not a plain schema name (lower-case letters, digits and _)`);
  return schema;
}

/**
 * `url` with `-c search_path=<schema>` appended to its libpq `options`
 * parameter (after any options it already carries, so a `search_path` of its
 * own is overridden), so every connection opened with it resolves unqualified
 * names in `schema` alone (`pg_catalog` is always searched first).
 * @throws Error when `schema` is not a plain schema name.
 */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  const options = [parsed.searchParams.get("options")?.trim(), `-c search_path=${checkSchemaName(schema)}`].filter(Boolean).join(" ");
  parsed.searchParams.set("options", options);
  return parsed.toString();
}
