import type { Kysely, Transaction } from "kysely";
import type { IdentityDatabase } from "./identity.table.js";

type Db = Kysely<IdentityDatabase> | Transaction<IdentityDatabase>;

/** What a single-use emailed token is for. */
export type TokenPurpose = "email_verification" | "recovery";

/** Stores a token's hash, superseding the user's earlier open tokens of the purpose. */
export async function insertOneTimeToken(
  trx: Transaction<IdentityDatabase>,
  token: { hash: Buffer; purpose: TokenPurpose; userId: string; email: string; now: Date; expiresAt: Date },
): Promise<void> {
  await trx
    .updateTable("one_time_tokens")
    .set({ used_at: token.now })
    .where("user_id", "=", token.userId)
    .where("purpose", "=", token.purpose)
    .where("used_at", "is", null)
    .execute();
  await trx
    .insertInto("one_time_tokens")
    .values({ token_hash: token.hash, purpose: token.purpose, user_id: token.userId, email: token.email, created_at: token.now, expires_at: token.expiresAt, used_at: null })
    .execute();
}

/**
 * Consumes an unused, unexpired token of the purpose: marks it used and
 * answers its user and email; undefined when unknown, used or expired. One
 * UPDATE, so two concurrent uses cannot both succeed.
 */
export async function consumeOneTimeToken(
  db: Db,
  hash: Buffer,
  purpose: TokenPurpose,
  now: Date,
): Promise<{ userId: string; email: string } | undefined> {
  const row = await db
    .updateTable("one_time_tokens")
    .set({ used_at: now })
    .where("token_hash", "=", hash)
    .where("purpose", "=", purpose)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .returning(["user_id", "email"])
    .executeTakeFirst();
  return row ? { userId: row.user_id, email: row.email } : undefined;
}
