import { randomUUID } from "node:crypto";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { RevocationReason, Session } from "../domain/sessions.js";
import type { IdentityDatabase, RefreshTokensTable, SessionsTable } from "./identity.table.js";

type Db = Kysely<IdentityDatabase> | Transaction<IdentityDatabase>;
type Trx = Transaction<IdentityDatabase>;

function toSession(row: Selectable<SessionsTable>): Session {
  return {
    id: row.id,
    userId: row.user_id,
    deviceId: row.device_id,
    amr: row.amr,
    authTime: row.auth_time,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    idleExpiresAt: row.idle_expires_at,
    expiresAt: row.expires_at,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    revokedAt: row.revoked_at,
    revokeReason: row.revoke_reason,
  };
}

/** What opening a session needs. */
export interface NewSession {
  readonly userId: string;
  readonly deviceId: string;
  readonly amr: readonly string[];
  readonly now: Date;
  readonly idleExpiresAt: Date;
  readonly expiresAt: Date;
  readonly ipAddress: string;
  readonly userAgent: string;
}

/** Inserts a session. */
export async function insertSession(trx: Trx, s: NewSession): Promise<Session> {
  const row = await trx
    .insertInto("sessions")
    .values({
      id: randomUUID(),
      user_id: s.userId,
      device_id: s.deviceId,
      amr: [...s.amr],
      auth_time: s.now,
      created_at: s.now,
      last_used_at: s.now,
      idle_expires_at: s.idleExpiresAt,
      expires_at: s.expiresAt,
      ip_address: s.ipAddress,
      user_agent: s.userAgent,
      revoked_at: null,
      revoke_reason: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSession(row);
}

/** One session by id, if any. */
export async function findSession(db: Db, id: string): Promise<Session | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const row = await db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toSession(row) : undefined;
}

/** One session locked for update. */
export async function lockSession(trx: Trx, id: string): Promise<Session | undefined> {
  const row = await trx.selectFrom("sessions").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
  return row ? toSession(row) : undefined;
}

/** Records a refresh: last use, the new idle deadline and the client's address. */
export async function touchSession(trx: Trx, id: string, now: Date, idleExpiresAt: Date, ipAddress: string): Promise<Session> {
  const row = await trx
    .updateTable("sessions")
    .set((eb) => ({ last_used_at: now, idle_expires_at: idleExpiresAt, ...(ipAddress !== "" ? { ip_address: ipAddress } : { ip_address: eb.ref("ip_address") }) }))
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSession(row);
}

/** A step-up: fresh auth_time and the proven methods. */
export async function recordStepUp(db: Db, id: string, now: Date, amr: readonly string[]): Promise<void> {
  await db.updateTable("sessions").set({ auth_time: now, amr: [...amr] }).where("id", "=", id).execute();
}

/** Which sessions of a user to revoke. */
export interface RevokeFilter {
  readonly userId: string;
  readonly sessionId?: string;
  readonly deviceId?: string;
  readonly exceptSessionId?: string;
}

/** Revokes the matching sessions that are not revoked yet; answers them. */
export async function revokeSessions(trx: Trx, filter: RevokeFilter, reason: RevocationReason, now: Date): Promise<Session[]> {
  let query = trx
    .updateTable("sessions")
    .set({ revoked_at: now, revoke_reason: reason })
    .where("user_id", "=", filter.userId)
    .where("revoked_at", "is", null);
  if (filter.sessionId !== undefined) query = query.where("id", "=", filter.sessionId);
  if (filter.deviceId !== undefined) query = query.where("device_id", "=", filter.deviceId);
  if (filter.exceptSessionId !== undefined) query = query.where("id", "<>", filter.exceptSessionId);
  const rows = await query.returningAll().execute();
  return rows.map(toSession);
}

/** A user's active sessions at `now`, most recently used first. */
export async function listActiveSessions(db: Db, userId: string, now: Date): Promise<Session[]> {
  const rows = await db
    .selectFrom("sessions")
    .selectAll()
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where("idle_expires_at", ">", now)
    .where("expires_at", ">", now)
    .orderBy("last_used_at", "desc")
    .orderBy("id")
    .execute();
  return rows.map(toSession);
}

/** A stored refresh token. */
export interface StoredRefreshToken {
  readonly tokenHash: Buffer;
  readonly sessionId: string;
  readonly rotatedAt: Date | null;
  readonly successorHash: Buffer | null;
  readonly successorCiphertext: Buffer | null;
}

function toRefreshToken(row: Selectable<RefreshTokensTable>): StoredRefreshToken {
  return {
    tokenHash: row.token_hash,
    sessionId: row.session_id,
    rotatedAt: row.rotated_at,
    successorHash: row.successor_hash,
    successorCiphertext: row.successor_ciphertext,
  };
}

/** Stores a session's new refresh token (its hash). */
export async function insertRefreshToken(trx: Trx, sessionId: string, tokenHash: Buffer, now: Date): Promise<void> {
  await trx.insertInto("refresh_tokens").values({ token_hash: tokenHash, session_id: sessionId, created_at: now }).execute();
}

/** The refresh token with this hash, if any (unlocked). */
export async function findRefreshToken(db: Db, tokenHash: Buffer): Promise<StoredRefreshToken | undefined> {
  const row = await db.selectFrom("refresh_tokens").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
  return row ? toRefreshToken(row) : undefined;
}

/** The refresh token with this hash, locked for update. */
export async function lockRefreshToken(trx: Trx, tokenHash: Buffer): Promise<StoredRefreshToken | undefined> {
  const row = await trx.selectFrom("refresh_tokens").selectAll().where("token_hash", "=", tokenHash).forUpdate().executeTakeFirst();
  return row ? toRefreshToken(row) : undefined;
}

/** Marks a token rotated, naming its successor (hash, and encrypted for the grace answer). */
export async function markRotated(trx: Trx, tokenHash: Buffer, now: Date, successorHash: Buffer, successorCiphertext: Buffer): Promise<void> {
  await trx
    .updateTable("refresh_tokens")
    .set({ rotated_at: now, successor_hash: successorHash, successor_ciphertext: successorCiphertext })
    .where("token_hash", "=", tokenHash)
    .execute();
}

/** Drops the encrypted successors of a session's tokens (once revoked they must never be answered). */
export async function forgetSuccessors(trx: Trx, sessionIds: readonly string[]): Promise<void> {
  if (sessionIds.length === 0) return;
  await trx.updateTable("refresh_tokens").set({ successor_ciphertext: null }).where("session_id", "in", [...sessionIds]).execute();
}
