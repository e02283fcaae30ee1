import { randomUUID } from "node:crypto";
import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import type { StaffRole } from "#platform/access-tokens/claims.js";
import { IdentityError } from "../domain/identity-error.js";
import type { UserKind } from "../domain/roles.js";
import type { User, UserStatus } from "../domain/users.js";
import type { IdentityDatabase, UsersTable } from "./identity.table.js";

type Db = Kysely<IdentityDatabase> | Transaction<IdentityDatabase>;

/** Turns a users row into the domain's User. */
export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    email: row.email,
    emailVerified: row.email_verified,
    phone: row.phone,
    displayName: row.display_name,
    locale: row.locale,
    kind: row.kind as UserKind,
    roles: row.roles as StaffRole[],
    status: row.status as UserStatus,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
    lockedAt: row.locked_at,
    lockReason: row.lock_reason,
  };
}

/** What creating a user needs. */
export interface NewUser {
  readonly email: string;
  readonly phone: string;
  readonly displayName: string;
  readonly locale: string;
  readonly kind: UserKind;
  readonly roles: readonly StaffRole[];
  readonly passwordHash: string | null;
  /** True when the email needs no verification (CreateFirstAdmin); false by default. */
  readonly emailVerified?: boolean;
}

/** Inserts a user; EMAIL_ALREADY_REGISTERED when the email is taken. */
export async function insertUser(trx: Transaction<IdentityDatabase>, user: NewUser): Promise<User> {
  const row = await trx
    .insertInto("users")
    .values({
      id: randomUUID(),
      email: user.email,
      email_verified: user.emailVerified ?? false,
      phone: user.phone,
      display_name: user.displayName,
      locale: user.locale,
      kind: user.kind,
      roles: [...user.roles],
      password_hash: user.passwordHash,
      last_login_at: null,
      locked_at: null,
    })
    .onConflict((oc) => oc.column("email").doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new IdentityError("EMAIL_ALREADY_REGISTERED", "an account with this email exists", { field: "email" });
  return toUser(row);
}

/** The user with this (normalised) email, if any. */
export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const row = await db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/** The user with this id, if any (a malformed id finds nothing). */
export async function findUser(db: Db, id: string): Promise<User | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const row = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/** The user, locked for update (transaction only), or USER_NOT_FOUND. */
export async function lockUser(trx: Transaction<IdentityDatabase>, id: string): Promise<User> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw userNotFound(id);
  const row = await trx.selectFrom("users").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
  if (!row) throw userNotFound(id);
  return toUser(row);
}

/** USER_NOT_FOUND naming the id. */
export function userNotFound(id: string): IdentityError {
  return new IdentityError("USER_NOT_FOUND", `no user ${id}`, { user_id: id });
}

/** Partial update of a user; answers the new row. */
export async function updateUser(
  db: Db,
  id: string,
  changes: Partial<{
    passwordHash: string;
    emailVerified: boolean;
    lastLoginAt: Date;
    status: UserStatus;
    lockedAt: Date | null;
    lockReason: string;
    lockedBy: string;
    roles: readonly StaffRole[];
  }>,
): Promise<User> {
  const row = await db
    .updateTable("users")
    .set({
      ...(changes.passwordHash !== undefined && { password_hash: changes.passwordHash }),
      ...(changes.emailVerified !== undefined && { email_verified: changes.emailVerified }),
      ...(changes.lastLoginAt !== undefined && { last_login_at: changes.lastLoginAt }),
      ...(changes.status !== undefined && { status: changes.status }),
      ...(changes.lockedAt !== undefined && { locked_at: changes.lockedAt }),
      ...(changes.lockReason !== undefined && { lock_reason: changes.lockReason }),
      ...(changes.lockedBy !== undefined && { locked_by: changes.lockedBy }),
      ...(changes.roles !== undefined && { roles: [...changes.roles] }),
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toUser(row);
}

/** An active customer with this verified email or phone. */
export async function findActiveCustomer(db: Db, key: { email?: string; phone?: string }): Promise<User | undefined> {
  let query = db.selectFrom("users").selectAll().where("kind", "=", "CUSTOMER").where("status", "=", "ACTIVE");
  if (key.email !== undefined) query = query.where("email", "=", key.email).where("email_verified", "=", true);
  else query = query.where("phone", "=", key.phone ?? "");
  const row = await query.orderBy("created_at").executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/** Filters of {@link searchUsers}. */
export interface UserSearch {
  readonly query: string;
  readonly kind?: UserKind;
  readonly status?: UserStatus;
  readonly role?: StaffRole;
}

/**
 * Users matching the text (email, phone or name containing it, or an id
 * starting with it), exact email matches first, then by email; `offset`-based pages.
 */
export async function searchUsers(db: Db, search: UserSearch, offset: number, limit: number): Promise<User[]> {
  let query = db.selectFrom("users").selectAll();
  if (search.query !== "") {
    const like = `%${search.query.replace(/[\\%_]/g, "\\$&")}%`;
    const prefix = `${search.query.replace(/[\\%_]/g, "\\$&")}%`;
    query = query.where((eb) =>
      eb.or([
        eb("email", "ilike", like),
        eb("phone", "like", like),
        eb("display_name", "ilike", like),
        eb(sql<string>`id::text`, "like", prefix.toLowerCase()),
      ]),
    );
  }
  if (search.kind) query = query.where("kind", "=", search.kind);
  if (search.status) query = query.where("status", "=", search.status);
  if (search.role) query = query.where(sql<boolean>`${search.role} = ANY(roles)`);
  const rows = await query
    .orderBy(sql`email = ${search.query.toLowerCase()}`, "desc")
    .orderBy("email")
    .offset(offset)
    .limit(limit)
    .execute();
  return rows.map(toUser);
}

/** Number of active staff users holding the admin role, other than `exceptUserId` when given; their rows are locked. */
export async function countActiveAdmins(trx: Transaction<IdentityDatabase>, exceptUserId?: string): Promise<number> {
  let query = trx
    .selectFrom("users")
    .select("id")
    .where("kind", "=", "STAFF")
    .where("status", "=", "ACTIVE")
    .where(sql<boolean>`'admin' = ANY(roles)`);
  if (exceptUserId !== undefined) query = query.where("id", "<>", exceptUserId);
  const rows = await query.forUpdate().execute();
  return rows.length;
}

/**
 * Serialises CreateFirstAdmin calls until the transaction ends (a
 * transaction-level advisory lock): with no admin row yet there is nothing
 * for `countActiveAdmins` to lock, so two concurrent calls could both
 * find none.
 */
export async function lockAdminCreation(trx: Transaction<IdentityDatabase>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('wallet-identity/create-first-admin'))`.execute(trx);
}
