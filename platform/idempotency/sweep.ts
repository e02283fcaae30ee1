import { sql, type Kysely } from "kysely";

/**
 * Deletes up to `limit` idempotency keys whose retention has passed; returns
 * how many it deleted (call again while it returns `limit`).
 */
export async function sweepExpiredIdempotencyKeys(db: Kysely<any>, limit = 1_000): Promise<number> {
  const result = await sql`
    DELETE FROM idempotency_keys
    WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT ${limit})
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
