/** Queries on `recipients` and `push_tokens`: where users can be reached, kept from identity's events. */
import { sql, type Kysely } from "kysely";
import type { Reachability } from "../domain/plan-notifications.js";
import type { NotificationDatabase } from "./notification.table.js";

type Db = Kysely<NotificationDatabase>;

/** A registered user's addresses. */
export interface RecipientRecord {
  readonly userId: string;
  readonly email: string;
  /** Null when not given. */
  readonly phoneNumber: string | null;
  readonly locale: string;
}

/**
 * Creates or replaces a user's addresses. A changed email address is no
 * longer verified; an EmailVerified that arrived first (for the same
 * address) stays.
 */
export async function upsertRecipient(db: Db, recipient: RecipientRecord, now: Date): Promise<void> {
  await db
    .insertInto("recipients")
    .values({ user_id: recipient.userId, email: recipient.email, phone_number: recipient.phoneNumber, locale: recipient.locale, updated_at: now })
    .onConflict((oc) =>
      oc.column("user_id").doUpdateSet((eb) => ({
        email: eb.ref("excluded.email"),
        phone_number: eb.ref("excluded.phone_number"),
        locale: eb.ref("excluded.locale"),
        email_verified: sql<boolean>`recipients.email_verified AND recipients.email IS NOT DISTINCT FROM excluded.email`,
        updated_at: now,
      })),
    )
    .execute();
}

/**
 * Marks `email` verified for the user. Before UserRegistered is processed
 * the row is created with just the address, which UserRegistered completes.
 */
export async function markEmailVerified(db: Db, userId: string, email: string, now: Date): Promise<void> {
  await db
    .insertInto("recipients")
    .values({ user_id: userId, email, email_verified: true, updated_at: now })
    .onConflict((oc) =>
      oc
        .column("user_id")
        .doUpdateSet({ email_verified: true, updated_at: now })
        .where("recipients.email", "=", email),
    )
    .execute();
}

/** Sets a device's push token (a device changing owner moves with it). */
export async function setPushToken(db: Db, token: { deviceId: string; userId: string; pushToken: string }, now: Date): Promise<void> {
  await db
    .insertInto("push_tokens")
    .values({ device_id: token.deviceId, user_id: token.userId, push_token: token.pushToken, updated_at: now })
    .onConflict((oc) => oc.column("device_id").doUpdateSet((eb) => ({ user_id: eb.ref("excluded.user_id"), push_token: eb.ref("excluded.push_token"), updated_at: now })))
    .execute();
}

/** Forgets a device's push token (revoked, or registered without one). */
export async function deletePushToken(db: Db, deviceId: string): Promise<void> {
  await db.deleteFrom("push_tokens").where("device_id", "=", deviceId).execute();
}

/** Where the user can be reached; undefined when UserRegistered has not been processed. */
export async function findReachability(db: Db, userId: string): Promise<Reachability | undefined> {
  const row = await db
    .selectFrom("recipients")
    .select((eb) => [
      "email",
      "phone_number",
      "locale",
      eb.exists(eb.selectFrom("push_tokens").select("device_id").where("push_tokens.user_id", "=", userId)).as("has_push_token"),
    ])
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (!row) return undefined;
  return { email: row.email, phoneNumber: row.phone_number, hasPushToken: Boolean(row.has_push_token), locale: row.locale };
}
