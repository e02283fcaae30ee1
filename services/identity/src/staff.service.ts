/**
 * Internal operations for the backoffice (which enforces staff roles before
 * calling): locking users, revoking their sessions, resetting their MFA,
 * staff accounts and roles, and the first admin of a fresh install.
 */
import type { StaffRole } from "#platform/access-tokens/claims.js";
import { inviteStaff, userRegistered } from "./accounts.service.js";
import type { IdentityDeps } from "./context.js";
import { normalizeEmail } from "./domain/contact.js";
import { IdentityError } from "./domain/identity-error.js";
import { assertPasswordAcceptable } from "./domain/password-policy.js";
import type { User } from "./domain/users.js";
import { enrolConfirmedTotp, removeSecondFactors } from "./mfa.service.js";
import { revokeWithEvents } from "./sessions.service.js";
import { countActiveAdmins, insertUser, lockAdminCreation, lockUser, updateUser } from "./storage/users.repository.js";

/** Locks a user and revokes every session; a locked user stays as is. */
export async function lockUserAccount(deps: IdentityDeps, userId: string, reason: string, actorId: string): Promise<{ user: User; revoked: number }> {
  return deps.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    if (user.status === "LOCKED") return { user, revoked: 0 };
    if (user.kind === "STAFF" && user.roles.includes("admin") && (await countActiveAdmins(trx, user.id)) === 0) {
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

/**
 * Removes a user's TOTP authenticator and recovery codes (MfaDisabled, by
 * staff, when one was enrolled) and revokes every session, for a user who
 * lost their device: they sign in with their password and enrol again (a
 * staff user's tokens carry no roles until then). The reason and actor are
 * the backoffice's audit record. Errors: USER_NOT_FOUND.
 */
export async function resetUserMfa(deps: IdentityDeps, userId: string): Promise<{ user: User; revoked: number }> {
  return deps.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    await removeSecondFactors(trx, user.id, "STAFF");
    return { user, revoked: await revokeWithEvents(deps, trx, { userId: user.id }, "STAFF") };
  });
}

/** What CreateFirstAdmin takes. */
export interface FirstAdminInput {
  readonly email: string;
  readonly displayName: string;
  readonly password: string;
  /** Create the admin even though an active one exists. */
  readonly force: boolean;
}

/**
 * Creates an active staff admin for the first sign-in of a fresh install:
 * the password under sign-up's rules, the email taken as verified, and an
 * authenticator enrolled and confirmed, so the first login asks for a TOTP
 * code and its tokens carry the admin role. Emits UserRegistered and
 * MfaEnrolled. Answers the otpauth URI and recovery codes, shown once.
 * Errors: EMAIL_INVALID, PASSWORD_*, ADMIN_EXISTS (an active admin exists
 * and not `force`), EMAIL_ALREADY_REGISTERED.
 */
export async function createFirstAdmin(deps: IdentityDeps, input: FirstAdminInput): Promise<{ user: User; totpUri: string; recoveryCodes: string[] }> {
  const email = normalizeEmail(input.email);
  assertPasswordAcceptable(input.password, deps.passwordPolicy, email);
  const passwordHash = await deps.hasher.hash(input.password);
  return deps.db.transaction().execute(async (trx) => {
    await lockAdminCreation(trx);
    if (!input.force && (await countActiveAdmins(trx)) > 0) {
      throw new IdentityError("ADMIN_EXISTS", "an active admin exists; sign in as them, or force a new one");
    }
    const user = await insertUser(trx, {
      email,
      phone: "",
      displayName: input.displayName.trim(),
      locale: "en",
      kind: "STAFF",
      roles: ["admin"],
      passwordHash,
      emailVerified: true,
    });
    await userRegistered(trx, user);
    const { uri, recoveryCodes } = await enrolConfirmedTotp(deps, trx, user);
    return { user, totpUri: uri, recoveryCodes };
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
    if (user.roles.includes("admin") && !next.includes("admin") && (await countActiveAdmins(trx, user.id)) === 0) {
      throw new IdentityError("LAST_ADMIN", "no active admin would remain", { user_id: user.id });
    }
    const updated = await updateUser(trx, user.id, { roles: next });
    if (user.roles.some((r) => !next.includes(r))) await revokeWithEvents(deps, trx, { userId: user.id }, "STAFF");
    return updated;
  });
}
