/** The caller's devices: revoke (with its sessions) and trust (after a fresh step-up). */
import type { IdentityDeps } from "./context.js";
import { IdentityError } from "./domain/identity-error.js";
import type { Device } from "./domain/users.js";
import { deviceRevokedEvent, publish } from "./events.js";
import { assertFreshStepUp } from "./mfa.service.js";
import type { SelfCaller } from "./self-caller.js";
import { revokeWithEvents } from "./sessions.service.js";
import { deleteDevice, trustDevice } from "./storage/devices.repository.js";

const deviceNotFound = (id: string) => new IdentityError("DEVICE_NOT_FOUND", `no device ${id}`, { device_id: id });

/** Forgets a device and revokes its sessions; answers how many. Errors: DEVICE_NOT_FOUND. */
export async function revokeDevice(deps: IdentityDeps, caller: SelfCaller, deviceId: string): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const device = await deleteDevice(trx, caller.userId, deviceId);
    if (!device) throw deviceNotFound(deviceId);
    const revoked = await revokeWithEvents(deps, trx, { userId: caller.userId, deviceId }, "DEVICE_REVOKED");
    await publish(trx, [deviceRevokedEvent(device, "USER")]);
    return revoked;
  });
}

/** Marks a device trusted after a fresh step-up. Errors: STEP_UP_REQUIRED, DEVICE_NOT_FOUND. */
export async function trustOwnDevice(deps: IdentityDeps, caller: SelfCaller, deviceId: string): Promise<Device> {
  assertFreshStepUp(deps, caller);
  const device = await trustDevice(deps.db, caller.userId, deviceId);
  if (!device) throw deviceNotFound(deviceId);
  return device;
}
