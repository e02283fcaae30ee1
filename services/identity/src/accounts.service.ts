/**
 * Accounts: sign-up, email verification, account recovery and password
 * change. Emailed tokens are 256 random bits, stored as sha256, single use,
 * expiring, and travel only inside outbox events for the notification service.
 */
import { create } from "@bufbuild/protobuf";
import type { Transaction } from "kysely";
import {
  EmailVerificationRequestedSchema,
  EmailVerifiedSchema,
  PasswordChangedSchema,
  RecoveryRequestedSchema,
  UserRegisteredSchema,
} from "#gen/wallet/events/v1/identity_events_pb.js";
import type { IdentityDeps } from "./context.js";
import { digest, randomToken } from "./crypto/secrets.js";
import { looseEmail, normalizeEmail, normalizePhone } from "./domain/contact.js";
import { IdentityError } from "./domain/identity-error.js";
import { assertPasswordAcceptable } from "./domain/password-policy.js";
import type { ClientInfo, DeviceInput, User } from "./domain/users.js";
import { deviceRegisteredEvent, event, publish, ts } from "./events.js";
import { assertFreshStepUp, totpEnrolled } from "./mfa.service.js";
import type { SelfCaller } from "./self-caller.js";
import { revokeWithEvents } from "./sessions.service.js";
import type { IdentityDatabase } from "./storage/identity.table.js";
import { recordDevice } from "./storage/devices.repository.js";
import { consumeOneTimeToken, insertOneTimeToken, type TokenPurpose } from "./storage/one-time-tokens.repository.js";
import { findUser, findUserByEmail, insertUser, lockUser, updateUser, userNotFound } from "./storage/users.repository.js";

type Trx = Transaction<IdentityDatabase>;

/** What SignUp takes. */
export interface SignUpInput {
  readonly email: string;
  readonly phone: string;
  readonly password: string;
  readonly displayName: string;
  readonly locale: string;
  readonly device: DeviceInput | undefined;
}

/** Issues an emailed token and writes its event. */
async function issueEmailedToken(
  deps: IdentityDeps,
  trx: Trx,
  user: User,
  purpose: TokenPurpose,
  ttlMs: number,
  ipAddress = "",
): Promise<void> {
  const now = deps.clock();
  const token = randomToken();
  const expiresAt = new Date(now.getTime() + ttlMs);
  await insertOneTimeToken(trx, { hash: digest(token), purpose, userId: user.id, email: user.email, now, expiresAt });
  const common = { userId: user.id, email: user.email, token, expiresAt: ts(expiresAt), locale: user.locale };
  await publish(trx, [
    purpose === "email_verification"
      ? event("user", user.id, { case: "emailVerificationRequested", value: create(EmailVerificationRequestedSchema, common) })
      : event("user", user.id, { case: "recoveryRequested", value: create(RecoveryRequestedSchema, { ...common, ipAddress }) }),
  ]);
}

/** Writes the UserRegistered event. */
export async function userRegistered(trx: Trx, user: User): Promise<void> {
  await publish(trx, [
    event("user", user.id, {
      case: "userRegistered",
      value: create(UserRegisteredSchema, { userId: user.id, email: user.email, phoneNumber: user.phone, locale: user.locale, staff: user.kind === "STAFF" }),
    }),
  ]);
}

/**
 * Creates a customer, records the sign-up device, and emits UserRegistered
 * and EmailVerificationRequested. Errors: EMAIL_INVALID, PHONE_INVALID,
 * PASSWORD_*, EMAIL_ALREADY_REGISTERED.
 */
export async function signUp(deps: IdentityDeps, input: SignUpInput): Promise<User> {
  const email = normalizeEmail(input.email);
  const phone = normalizePhone(input.phone);
  assertPasswordAcceptable(input.password, deps.passwordPolicy, email);
  const passwordHash = await deps.hasher.hash(input.password);
  return deps.db.transaction().execute(async (trx) => {
    const user = await insertUser(trx, {
      email,
      phone,
      displayName: input.displayName.trim(),
      locale: input.locale.trim() || "en",
      kind: "CUSTOMER",
      roles: [],
      passwordHash,
    });
    await userRegistered(trx, user);
    if (input.device && input.device.deviceId !== "") {
      const seen = await recordDevice(trx, user.id, input.device, deps.clock());
      await publish(trx, [deviceRegisteredEvent(seen.device)]);
    }
    await issueEmailedToken(deps, trx, user, "email_verification", deps.config.emailVerificationTtlMs);
    return user;
  });
}

/** Marks the email verified. Errors: VERIFICATION_TOKEN_INVALID. */
export async function verifyEmail(deps: IdentityDeps, token: string): Promise<string> {
  return deps.db.transaction().execute(async (trx) => {
    const used = await consumeOneTimeToken(trx, digest(token), "email_verification", deps.clock());
    if (!used) throw new IdentityError("VERIFICATION_TOKEN_INVALID", "the verification token is unknown, used or expired");
    const user = await updateUser(trx, used.userId, { emailVerified: true });
    await publish(trx, [event("user", user.id, { case: "emailVerified", value: create(EmailVerifiedSchema, { userId: user.id, email: used.email }) })]);
    return used.email;
  });
}

/** Sends a new verification token when the account exists and is unverified; silent otherwise. */
export async function resendVerificationEmail(deps: IdentityDeps, rawEmail: string): Promise<void> {
  const user = await findUserByEmail(deps.db, looseEmail(rawEmail));
  if (!user || user.emailVerified) return;
  await deps.db.transaction().execute((trx) => issueEmailedToken(deps, trx, user, "email_verification", deps.config.emailVerificationTtlMs));
}

/**
 * Starts recovery: for an existing account a recovery token is issued
 * (RecoveryRequested); for an unknown email the same answer after comparable
 * work (a token is generated and hashed, nothing is stored).
 */
export async function requestAccountRecovery(deps: IdentityDeps, rawEmail: string, client: ClientInfo): Promise<void> {
  const user = await findUserByEmail(deps.db, looseEmail(rawEmail));
  if (!user) {
    digest(randomToken());
    return;
  }
  await deps.db.transaction().execute((trx) => issueEmailedToken(deps, trx, user, "recovery", deps.config.recoveryTokenTtlMs, client.ipAddress));
}

/** Issues a staff invitation (a recovery token valid for the invitation TTL). */
export async function inviteStaff(deps: IdentityDeps, trx: Trx, user: User): Promise<void> {
  await issueEmailedToken(deps, trx, user, "recovery", deps.config.staffInvitationTtlMs);
}

/**
 * Sets a new password with a recovery token, marks the email verified (the
 * token proved it), revokes every session and clears the login throttle.
 * MFA stays enrolled: the next login still asks for it.
 * Errors: RECOVERY_TOKEN_INVALID, PASSWORD_*.
 */
export async function completeAccountRecovery(deps: IdentityDeps, token: string, newPassword: string): Promise<void> {
  const hash = digest(token);
  const email = await deps.db.transaction().execute(async (trx) => {
    const used = await consumeOneTimeToken(trx, hash, "recovery", deps.clock());
    if (!used) throw new IdentityError("RECOVERY_TOKEN_INVALID", "the recovery token is unknown, used or expired");
    const user = await lockUser(trx, used.userId);
    // Checked after the token so a weak password keeps nothing: the transaction rolls back and the token stays usable.
    assertPasswordAcceptable(newPassword, deps.passwordPolicy, user.email);
    await updateUser(trx, user.id, { passwordHash: await deps.hasher.hash(newPassword), emailVerified: true });
    await revokeWithEvents(deps, trx, { userId: user.id }, "PASSWORD_CHANGED");
    await publish(trx, [event("user", user.id, { case: "passwordChanged", value: create(PasswordChangedSchema, { userId: user.id, viaRecovery: true }) })]);
    return user.email;
  });
  await deps.throttle.reset(email);
}

/**
 * Changes the caller's password: the current one must match and, with TOTP
 * enrolled, a fresh step-up is needed. Revokes every other session.
 * Errors: CURRENT_PASSWORD_INVALID, STEP_UP_REQUIRED, PASSWORD_*.
 */
export async function changePassword(deps: IdentityDeps, caller: SelfCaller, current: string, next: string): Promise<number> {
  const user = await findUser(deps.db, caller.userId);
  if (!user) throw userNotFound(caller.userId);
  if (!user.passwordHash || !(await deps.hasher.verify(user.passwordHash, current))) {
    throw new IdentityError("CURRENT_PASSWORD_INVALID", "the current password is wrong");
  }
  if (await totpEnrolled(deps, user.id)) assertFreshStepUp(deps, caller);
  assertPasswordAcceptable(next, deps.passwordPolicy, user.email);
  const passwordHash = await deps.hasher.hash(next);
  return deps.db.transaction().execute(async (trx) => {
    await updateUser(trx, user.id, { passwordHash });
    const revoked = await revokeWithEvents(deps, trx, { userId: user.id, exceptSessionId: caller.sessionId }, "PASSWORD_CHANGED");
    await publish(trx, [event("user", user.id, { case: "passwordChanged", value: create(PasswordChangedSchema, { userId: user.id, viaRecovery: false }) })]);
    return revoked;
  });
}
