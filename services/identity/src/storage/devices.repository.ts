import type { Kysely, Selectable, Transaction } from "kysely";
import type { Device, DeviceInput } from "../domain/users.js";
import type { DevicesTable, IdentityDatabase } from "./identity.table.js";

type Db = Kysely<IdentityDatabase> | Transaction<IdentityDatabase>;

function toDevice(row: Selectable<DevicesTable>): Device {
  return {
    userId: row.user_id,
    deviceId: row.device_id,
    name: row.name,
    platform: row.platform,
    pushToken: row.push_token,
    appVersion: row.app_version,
    trusted: row.trusted,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
  };
}

/** The outcome of recording a device seen at login. */
export interface DeviceSeen {
  readonly device: Device;
  /** True when the user had no device with this id. */
  readonly isNew: boolean;
  /** True when the push token changed (or the device is new). */
  readonly pushTokenChanged: boolean;
}

/** Inserts or refreshes a user's device at login or sign-up. */
export async function recordDevice(trx: Transaction<IdentityDatabase>, userId: string, input: DeviceInput, now: Date): Promise<DeviceSeen> {
  const before = await trx
    .selectFrom("devices")
    .selectAll()
    .where("user_id", "=", userId)
    .where("device_id", "=", input.deviceId)
    .forUpdate()
    .executeTakeFirst();
  if (!before) {
    const row = await trx
      .insertInto("devices")
      .values({
        user_id: userId,
        device_id: input.deviceId,
        name: input.name,
        platform: input.platform,
        push_token: input.pushToken,
        app_version: input.appVersion,
        first_seen_at: now,
        last_seen_at: now,
      })
      .onConflict((oc) => oc.columns(["user_id", "device_id"]).doUpdateSet({ last_seen_at: now }))
      .returningAll()
      .executeTakeFirstOrThrow();
    return { device: toDevice(row), isNew: true, pushTokenChanged: true };
  }
  const row = await trx
    .updateTable("devices")
    .set({
      name: input.name || before.name,
      platform: input.platform === "UNSPECIFIED" ? before.platform : input.platform,
      push_token: input.pushToken,
      app_version: input.appVersion || before.app_version,
      last_seen_at: now,
    })
    .where("user_id", "=", userId)
    .where("device_id", "=", input.deviceId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { device: toDevice(row), isNew: false, pushTokenChanged: before.push_token !== input.pushToken };
}

/** Moves a device's last-seen time (refresh). */
export async function touchDevice(db: Db, userId: string, deviceId: string, now: Date): Promise<void> {
  await db.updateTable("devices").set({ last_seen_at: now }).where("user_id", "=", userId).where("device_id", "=", deviceId).execute();
}

/** A user's devices, most recently seen first. */
export async function listDevices(db: Db, userId: string): Promise<Device[]> {
  const rows = await db.selectFrom("devices").selectAll().where("user_id", "=", userId).orderBy("last_seen_at", "desc").orderBy("device_id").execute();
  return rows.map(toDevice);
}

/** One device of a user, if any. */
export async function findDevice(db: Db, userId: string, deviceId: string): Promise<Device | undefined> {
  const row = await db.selectFrom("devices").selectAll().where("user_id", "=", userId).where("device_id", "=", deviceId).executeTakeFirst();
  return row ? toDevice(row) : undefined;
}

/** Deletes a device; answers whether it existed. */
export async function deleteDevice(trx: Transaction<IdentityDatabase>, userId: string, deviceId: string): Promise<Device | undefined> {
  const row = await trx.deleteFrom("devices").where("user_id", "=", userId).where("device_id", "=", deviceId).returningAll().executeTakeFirst();
  return row ? toDevice(row) : undefined;
}

/** Marks a device trusted; answers it, or undefined when the user has no such device. */
export async function trustDevice(db: Db, userId: string, deviceId: string): Promise<Device | undefined> {
  const row = await db.updateTable("devices").set({ trusted: true }).where("user_id", "=", userId).where("device_id", "=", deviceId).returningAll().executeTakeFirst();
  return row ? toDevice(row) : undefined;
}
