/**
 * Internal operations for the backoffice (which enforces staff roles before
 * calling): locking users, revoking their sessions, staff accounts and roles.
 */
import type { StaffRole } from "#platform/access-tokens/claims.js";
import { inviteStaff, userRegistered } from "./accounts.service.js";
import type { IdentityDeps } from "./context.js";
import { normalizeEmail } from "./domain/contact.js";
import { IdentityError } from "./domain/identity-error.js";
import type { User } from "./domain/users.js";
import { revokeWithEvents } from "./sessions.service.js";
import { countOtherActiveAdmins, insertUser, lockUser, updateUser } from "./storage/users.repository.js";

/** Locks a user and revokes every session; a locked user stays as is. */
export async function lockUserAccount(deps: IdentityDeps, userId: string, reason: string, actorId: string): Promise<{ user: User; revoked: number }> {
  return deps.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    if (user.status === "LOCKED") return { user, revoked: 0 };
    if (user.kind === "STAFF" && user.roles.includes("admin") && (await countOtherActiveAdmins(trx, user.id)) === 0) {
      throw new IdentityError("LAST_ADMIN", "locking this user would leave no active admin", { user_id: user.id });
    }
    const locked = await updateUser(trx, user.id, { status: "LOCKED", lockedAt: deps.clock(), lockReason: reason, lockedBy: actorId });
    const revoked = await revokeWithEvents(deps, trx, { userId: user.id }, "STAFF");
    return { user: locked, revoked };
  });
}

/** Unlocks a user and clears their failed-login throttle. */
export async function unlockUserAccount(deps: IdentityDeps, userId: string): Promise<User> {
  const user = await deps.db.transaction().execute(async (trx) => {
    await lockUser(trx, userId);
    return updateUser(trx, userId, { status: "ACTIVE", lockedAt: null, lockReason: "", lockedBy: "" });
  });
  await deps.throttle.reset(user.email);
  return user;
}

/** Revokes every active session of a user. */
export async function revokeUserSessions(deps: IdentityDeps, userId: string): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    await lockUser(trx, userId);
    return revokeWithEvents(deps, trx, { userId }, "STAFF");
  });
}

/** Creates a staff user without password or MFA and emails an invitation (a recovery token). */
export async function createStaffUser(deps: IdentityDeps, input: { email: string; displayName: string; roles: readonly StaffRole[] }): Promise<User> {
  const email = normalizeEmail(input.email);
  return deps.db.transaction().execute(async (trx) => {
    const user = await insertUser(trx, { email, phone: "", displayName: input.displayName.trim(), locale: "en", kind: "STAFF", roles: input.roles, passwordHash: null });
    await userRegistered(trx, user);
    await inviteStaff(deps, trx, user);
    return user;
  });
}

/** Replaces a staff user's roles; revokes their sessions when a role is removed. Errors: LAST_ADMIN. */
export async function setStaffRoles(deps: IdentityDeps, userId: string, roles: readonly StaffRole[]): Promise<User> {
  return deps.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    if (user.kind !== "STAFF") throw new IdentityError("INVALID_ARGUMENT", "only staff users have roles", { field: "user_id" });
    const next = [...new Set(roles)];
    if (user.roles.includes("admin") && !next.includes("admin") && (await countOtherActiveAdmins(trx, user.id)) === 0) {
      throw new IdentityError("LAST_ADMIN", "no active admin would remain", { user_id: user.id });
    }
    const updated = await updateUser(trx, user.id, { roles: next });
    if (user.roles.some((r) => !next.includes(r))) await revokeWithEvents(deps, trx, { userId: user.id }, "STAFF");
    return updated;
  });
}
