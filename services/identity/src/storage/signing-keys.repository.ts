import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import type { IdentityDatabase, SigningKeysTable } from "./identity.table.js";

type Db = Kysely<IdentityDatabase> | Transaction<IdentityDatabase>;

/** A stored signing key; the private key stays encrypted. */
export interface StoredSigningKey {
  readonly kid: string;
  readonly state: "active" | "retiring" | "retired";
  readonly publicJwk: Record<string, string>;
  readonly privateKeyCiphertext: Buffer;
  readonly createdAt: Date;
  readonly retireAfter: Date | null;
}

/** A new key pair to store. */
export interface NewSigningKey {
  readonly kid: string;
  readonly publicJwk: Record<string, string>;
  readonly privateKeyCiphertext: Buffer;
}

/** Advisory lock serialising key creation and rotation across replicas and the rotate command. */
const KEY_LOCK = 0x1d_4e_77;

function toKey(row: Selectable<SigningKeysTable>): StoredSigningKey {
  return {
    kid: row.kid,
    state: row.state as StoredSigningKey["state"],
    publicJwk: row.public_jwk,
    privateKeyCiphertext: row.private_key_ciphertext,
    createdAt: row.created_at,
    retireAfter: row.retire_after,
  };
}

/** Takes the key-management lock for the rest of the transaction. */
export async function lockSigningKeys(trx: Transaction<IdentityDatabase>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${KEY_LOCK})`.execute(trx);
}

/** The active key, if any. */
export async function findActiveKey(db: Db): Promise<StoredSigningKey | undefined> {
  const row = await db.selectFrom("signing_keys").selectAll().where("state", "=", "active").executeTakeFirst();
  return row ? toKey(row) : undefined;
}

/** Keys published in the JWKS at `now`: the active one and retiring ones still inside their overlap. */
export async function findPublishedKeys(db: Db, now: Date): Promise<StoredSigningKey[]> {
  const rows = await db
    .selectFrom("signing_keys")
    .selectAll()
    .where((eb) => eb.or([eb("state", "=", "active"), eb.and([eb("state", "=", "retiring"), eb("retire_after", ">", now)])]))
    .orderBy("created_at", "desc")
    .execute();
  return rows.map(toKey);
}

/** Stores a key as the active one. */
export async function insertActiveKey(trx: Transaction<IdentityDatabase>, key: NewSigningKey, now: Date): Promise<void> {
  await trx
    .insertInto("signing_keys")
    .values({
      kid: key.kid,
      state: "active",
      public_jwk: JSON.stringify(key.publicJwk),
      private_key_ciphertext: key.privateKeyCiphertext,
      created_at: now,
    })
    .execute();
}

/** Moves the active key to retiring (published until `retireAfter`); answers its kid. */
export async function retireActiveKey(trx: Transaction<IdentityDatabase>, now: Date, retireAfter: Date): Promise<string | undefined> {
  const row = await trx
    .updateTable("signing_keys")
    .set({ state: "retiring", retiring_at: now, retire_after: retireAfter })
    .where("state", "=", "active")
    .returning("kid")
    .executeTakeFirst();
  return row?.kid;
}

/** Marks retiring keys whose overlap ended as retired; answers how many. */
export async function retireExpiredKeys(trx: Db, now: Date): Promise<number> {
  const rows = await trx
    .updateTable("signing_keys")
    .set({ state: "retired" })
    .where("state", "=", "retiring")
    .where("retire_after", "<=", now)
    .returning("kid")
    .execute();
  return rows.length;
}
