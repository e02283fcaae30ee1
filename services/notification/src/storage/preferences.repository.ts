/** Queries on `preferences`: only the entries a user changed (defaults live in domain/preferences.ts). */
import type { Kysely } from "kysely";
import type { ChangedPreference, PreferenceUpdate } from "../domain/preferences.js";
import type { NotificationDatabase } from "./notification.table.js";

type Db = Kysely<NotificationDatabase>;

/** The user's changed entries. */
export async function listChangedPreferences(db: Db, userId: string): Promise<ChangedPreference[]> {
  const rows = await db.selectFrom("preferences").select(["category", "channel", "enabled", "updated_at"]).where("user_id", "=", userId).execute();
  return rows.map((r) => ({ category: r.category, channel: r.channel, enabled: r.enabled, updatedAt: r.updated_at }));
}

/** Stores changes (already checked by the domain: never a SECURITY entry turned off). */
export async function saveChangedPreferences(db: Db, userId: string, changes: readonly PreferenceUpdate[], now: Date): Promise<void> {
  if (changes.length === 0) return;
  await db
    .insertInto("preferences")
    .values(changes.map((c) => ({ user_id: userId, category: c.category, channel: c.channel, enabled: c.enabled, updated_at: now })))
    .onConflict((oc) => oc.columns(["user_id", "category", "channel"]).doUpdateSet((eb) => ({ enabled: eb.ref("excluded.enabled"), updated_at: now })))
    .execute();
}
