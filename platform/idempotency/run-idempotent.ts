import { sql, type Kysely, type Transaction } from "kysely";
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError } from "./errors.js";

/** SQLSTATE `lock_not_available`: lock_timeout elapsed. */
const LOCK_NOT_AVAILABLE = "55P03";

/** Default bound on waiting for an in-flight request with the same key. */
export const DEFAULT_IDEMPOTENCY_WAIT_MS = 5_000;

/** Identifies one idempotent call. */
export interface IdempotentCall {
  /** Whose key this is: the authenticated caller (and end user); keys never cross scopes. */
  readonly scope: string;
  /** The client's idempotency key (1-255 characters). */
  readonly key: string;
  /** The method called, e.g. "wallet.ledger.v1.LedgerService/Transfer". */
  readonly method: string;
  /** Fingerprint of the request without its key (see `requestHash`). */
  readonly requestHash: Uint8Array;
  /** How long the result is replayed for, in milliseconds. */
  readonly retentionMs: number;
  /**
   * How long to wait for an in-flight request with the same key before
   * refusing with IdempotencyKeyInProgressError; default 5 s. The bound is
   * PostgreSQL's `lock_timeout`, set for the whole transaction: callers treat
   * a later lock timeout as a retryable conflict.
   */
  readonly waitMs?: number;
}

/** Turns a result into the bytes stored for replay, and back. */
export interface ResultCodec<T> {
  encode(result: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** What {@link runIdempotent} returns. */
export interface IdempotentOutcome<T> {
  readonly result: T;
  /** True when the result is the stored one of an earlier call. */
  readonly replayed: boolean;
}

/**
 * Runs `work` at most once per (scope, key), in ONE database transaction
 * with the key row:
 *
 * 1. The key row is inserted first. A concurrent call with the same key is
 *    still uncommitted, so PostgreSQL makes this insert wait on the unique
 *    index until that call commits or rolls back (at most `waitMs`, then
 *    IdempotencyKeyInProgressError): the work never runs twice.
 * 2. When a live row already exists, the call is a retry: the same method and
 *    request hash replay the stored result; anything else throws
 *    IdempotencyKeyReusedError. An expired row is taken over.
 * 3. Otherwise `work` runs in the same transaction and its encoded result is
 *    stored. When `work` throws, everything rolls back, the key row included:
 *    refusals are not remembered and a retry executes again.
 *
 * Errors: IdempotencyKeyReusedError, IdempotencyKeyInProgressError, and
 * whatever `work` throws.
 */
export async function runIdempotent<T>(
  db: Kysely<any>,
  call: IdempotentCall,
  codec: ResultCodec<T>,
  work: (trx: Transaction<any>) => Promise<T>,
): Promise<IdempotentOutcome<T>> {
  return db.transaction().execute(async (trx) => {
    const waitMs = Math.max(1, Math.round(call.waitMs ?? DEFAULT_IDEMPOTENCY_WAIT_MS));
    await sql`SELECT set_config('lock_timeout', ${`${waitMs}ms`}, true)`.execute(trx);
    let claimed: boolean;
    try {
      const inserted = await sql<{ claimed: number }>`
        INSERT INTO idempotency_keys (scope, key, method, request_hash, response, expires_at)
        VALUES (${call.scope}, ${call.key}, ${call.method}, ${call.requestHash}, ''::bytea,
                now() + ${call.retentionMs} * interval '1 millisecond')
        ON CONFLICT (scope, key) DO UPDATE
          SET method = EXCLUDED.method, request_hash = EXCLUDED.request_hash, response = EXCLUDED.response,
              created_at = now(), expires_at = EXCLUDED.expires_at
          WHERE idempotency_keys.expires_at <= now()
        RETURNING 1 AS claimed
      `.execute(trx);
      claimed = inserted.rows.length > 0;
    } catch (err) {
      if ((err as { code?: unknown }).code === LOCK_NOT_AVAILABLE) throw new IdempotencyKeyInProgressError(call.key);
      throw err;
    }
    if (!claimed) {
      const stored = await trx
        .selectFrom("idempotency_keys")
        .select(["method", "request_hash", "response"])
        .where("scope", "=", call.scope)
        .where("key", "=", call.key)
        .executeTakeFirstOrThrow();
      if (stored.method !== call.method || !sameBytes(stored.request_hash, call.requestHash)) {
        throw new IdempotencyKeyReusedError(call.key);
      }
      return { result: codec.decode(stored.response), replayed: true };
    }
    const result = await work(trx);
    await trx
      .updateTable("idempotency_keys")
      .set({ response: codec.encode(result) })
      .where("scope", "=", call.scope)
      .where("key", "=", call.key)
      .execute();
    return { result, replayed: false };
  });
}

/**
 * True when (scope, key) holds a live result: the next call with it replays
 * rather than executes (a key row only becomes visible when its work commits). For work that must happen before the
 * transaction (a remote check) and must not happen again for a replay.
 */
export async function hasLiveResult(db: Kysely<any>, scope: string, key: string): Promise<boolean> {
  const row = await db
    .selectFrom("idempotency_keys")
    .select(sql<number>`1`.as("live"))
    .where("scope", "=", scope)
    .where("key", "=", key)
    .where("expires_at", ">", sql<Date>`now()`)
    .executeTakeFirst();
  return row !== undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
