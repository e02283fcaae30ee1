import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { DeviceInput } from "../domain/users.js";
import type { IdentityDatabase } from "./identity.table.js";

type Db = Kysely<IdentityDatabase> | Transaction<IdentityDatabase>;
type Trx = Transaction<IdentityDatabase>;

/** A user's TOTP credential (pending or confirmed); the secret stays encrypted. */
export interface TotpCredential {
  readonly userId: string;
  readonly secretCiphertext: Buffer;
  readonly confirmedAt: Date | null;
  readonly pendingExpiresAt: Date | null;
  readonly lastUsedStep: bigint | null;
}

/** The user's TOTP credential, if any; `lock` takes a row lock. */
export async function findTotp(db: Db, userId: string, lock = false): Promise<TotpCredential | undefined> {
  let query = db.selectFrom("totp_credentials").selectAll().where("user_id", "=", userId);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row
    ? { userId: row.user_id, secretCiphertext: row.secret_ciphertext, confirmedAt: row.confirmed_at, pendingExpiresAt: row.pending_expires_at, lastUsedStep: row.last_used_step }
    : undefined;
}

/** Stores a pending enrolment, replacing an earlier pending one. */
export async function upsertPendingTotp(db: Db, userId: string, secretCiphertext: Buffer, now: Date, expiresAt: Date): Promise<void> {
  await db
    .insertInto("totp_credentials")
    .values({ user_id: userId, secret_ciphertext: secretCiphertext, confirmed_at: null, pending_expires_at: expiresAt, last_used_step: null, created_at: now })
    .onConflict((oc) =>
      oc.column("user_id").doUpdateSet({ secret_ciphertext: secretCiphertext, pending_expires_at: expiresAt, last_used_step: null, created_at: now, confirmed_at: null }),
    )
    .execute();
}

/** Stores a confirmed credential with no code used yet (an authenticator enrolled for the user: CreateFirstAdmin). */
export async function insertConfirmedTotp(trx: Trx, userId: string, secretCiphertext: Buffer, now: Date): Promise<void> {
  await trx
    .insertInto("totp_credentials")
    .values({ user_id: userId, secret_ciphertext: secretCiphertext, confirmed_at: now, pending_expires_at: null, last_used_step: null, created_at: now })
    .execute();
}

/** Confirms the pending enrolment with the step of its first code. */
export async function confirmTotp(trx: Trx, userId: string, now: Date, step: number): Promise<void> {
  await trx
    .updateTable("totp_credentials")
    .set({ confirmed_at: now, pending_expires_at: null, last_used_step: BigInt(step) })
    .where("user_id", "=", userId)
    .execute();
}

/**
 * Records that the code of `step` was accepted; false when that step (or a
 * later one) was already accepted: a replay. One conditional UPDATE, so two
 * concurrent uses of one code cannot both succeed.
 */
export async function claimTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  const row = await db
    .updateTable("totp_credentials")
    .set({ last_used_step: BigInt(step) })
    .where("user_id", "=", userId)
    .where((eb) => eb.or([eb("last_used_step", "is", null), eb("last_used_step", "<", BigInt(step))]))
    .returning("user_id")
    .executeTakeFirst();
  return row !== undefined;
}

/** Removes the user's TOTP credential and recovery codes. */
export async function deleteSecondFactors(trx: Trx, userId: string): Promise<void> {
  await trx.deleteFrom("totp_credentials").where("user_id", "=", userId).execute();
  await trx.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
}

/** Replaces the user's recovery codes with these hashes. */
export async function replaceRecoveryCodes(trx: Trx, userId: string, hashes: readonly Buffer[], now: Date): Promise<void> {
  await trx.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  await trx
    .insertInto("recovery_codes")
    .values(hashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: now, used_at: null })))
    .execute();
}

/** Consumes an unused recovery code; false when unknown or used. */
export async function consumeRecoveryCode(db: Db, userId: string, hash: Buffer, now: Date): Promise<boolean> {
  const row = await db
    .updateTable("recovery_codes")
    .set({ used_at: now })
    .where("user_id", "=", userId)
    .where("code_hash", "=", hash)
    .where("used_at", "is", null)
    .returning("user_id")
    .executeTakeFirst();
  return row !== undefined;
}

/** How many unused recovery codes the user has. */
export async function countRecoveryCodes(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom("recovery_codes")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The server side of an MFA challenge. */
export interface MfaChallengeRow {
  readonly id: string;
  readonly userId: string;
  readonly device: DeviceInput;
  readonly ipAddress: string;
  readonly userAgent: string;
  readonly expiresAt: Date;
  readonly failures: number;
  readonly usedAt: Date | null;
}

/** Stores a new challenge; answers its id. */
export async function insertMfaChallenge(
  db: Db,
  c: { userId: string; device: DeviceInput; ipAddress: string; userAgent: string; now: Date; expiresAt: Date },
): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto("mfa_challenges")
    .values({ id, user_id: c.userId, device: JSON.stringify(c.device), ip_address: c.ipAddress, user_agent: c.userAgent, created_at: c.now, expires_at: c.expiresAt, used_at: null })
    .execute();
  return id;
}

/** A challenge locked for update. */
export async function lockMfaChallenge(trx: Trx, id: string): Promise<MfaChallengeRow | undefined> {
  const row = await trx.selectFrom("mfa_challenges").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
  return row
    ? {
        id: row.id,
        userId: row.user_id,
        device: row.device as DeviceInput,
        ipAddress: row.ip_address,
        userAgent: row.user_agent,
        expiresAt: row.expires_at,
        failures: row.failures,
        usedAt: row.used_at,
      }
    : undefined;
}

/** Marks a challenge used. */
export async function markChallengeUsed(trx: Trx, id: string, now: Date): Promise<void> {
  await trx.updateTable("mfa_challenges").set({ used_at: now }).where("id", "=", id).execute();
}

/** Counts a wrong second factor against a challenge. */
export async function countChallengeFailure(db: Db, id: string): Promise<void> {
  await db.updateTable("mfa_challenges").set((eb) => ({ failures: eb("failures", "+", 1) })).where("id", "=", id).execute();
}
