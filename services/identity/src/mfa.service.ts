/**
 * Second factors: TOTP enrolment (pending until confirmed by a first code, or
 * confirmed at once for a first admin), verification with ±1 step and replay
 * refusal (the last accepted time step is remembered; a code of that step or
 * an earlier one is TOTP_CODE_REUSED), ten single-use recovery codes
 * (sha256-hashed), step-up, and removal (by the user, or a staff reset).
 */
import { create } from "@bufbuild/protobuf";
import type { Transaction } from "kysely";
import { MfaDisabledSchema, MfaEnrolledSchema, RevokedBy } from "#gen/wallet/events/v1/identity_events_pb.js";
import { MfaMethod } from "#gen/wallet/identity/v1/token_pb.js";
import type { IdentityDeps } from "./context.js";
import { canonicalRecoveryCode, digest, randomRecoveryCode } from "./crypto/secrets.js";
import { matchTotp, newTotpSecret, totpUri } from "./crypto/totp.js";
import { IdentityError } from "./domain/identity-error.js";
import { hasFreshSecondFactor, type User } from "./domain/users.js";
import { event, publish } from "./events.js";
import { accessTokenFor } from "./sessions.service.js";
import type { SelfCaller } from "./self-caller.js";
import {
  claimTotpStep,
  confirmTotp,
  consumeRecoveryCode,
  countRecoveryCodes,
  deleteSecondFactors,
  findTotp,
  insertConfirmedTotp,
  replaceRecoveryCodes,
  upsertPendingTotp,
} from "./storage/mfa.repository.js";
import type { IdentityDatabase } from "./storage/identity.table.js";
import { recordStepUp } from "./storage/sessions.repository.js";
import { findUser, lockUser, userNotFound } from "./storage/users.repository.js";

type Trx = Transaction<IdentityDatabase>;

/** Number of recovery codes a user holds. */
export const RECOVERY_CODE_COUNT = 10;

/** A second factor as presented. */
export type SecondFactor = { kind: "totp"; code: string } | { kind: "recovery"; code: string };

/** Context string binding an encrypted TOTP secret to its user. */
const totpAad = (userId: string) => `totp:${userId}`;

/** The decrypted secret of a credential. */
function secretOf(deps: IdentityDeps, userId: string, ciphertext: Buffer): string {
  return deps.box.open(ciphertext, totpAad(userId)).toString("utf8");
}

/** True when the user has a confirmed TOTP authenticator. */
export async function totpEnrolled(deps: IdentityDeps, userId: string): Promise<boolean> {
  return (await findTotp(deps.db, userId))?.confirmedAt != null;
}

/**
 * Checks a second factor of a user with confirmed TOTP. A TOTP code must
 * match within ±1 step and not be of a step already accepted; a recovery code
 * is consumed. Answers the recovery codes remaining (recovery codes only).
 * Errors: TOTP_NOT_ENROLLED, TOTP_CODE_INVALID, TOTP_CODE_REUSED, RECOVERY_CODE_INVALID.
 */
export async function verifySecondFactor(deps: IdentityDeps, userId: string, factor: SecondFactor): Promise<{ recoveryCodesRemaining?: number }> {
  const totp = await findTotp(deps.db, userId);
  if (!totp?.confirmedAt) throw new IdentityError("TOTP_NOT_ENROLLED", "no second factor is enrolled");
  const now = deps.clock();
  if (factor.kind === "recovery") {
    const ok = await consumeRecoveryCode(deps.db, userId, digest(canonicalRecoveryCode(factor.code)), now);
    if (!ok) throw new IdentityError("RECOVERY_CODE_INVALID", "the recovery code is unknown or already used");
    return { recoveryCodesRemaining: await countRecoveryCodes(deps.db, userId) };
  }
  const step = matchTotp(secretOf(deps, userId, totp.secretCiphertext), factor.code.trim(), now);
  if (step === undefined) throw new IdentityError("TOTP_CODE_INVALID", "the code does not match");
  if (!(await claimTotpStep(deps.db, userId, step))) throw new IdentityError("TOTP_CODE_REUSED", "this code was already used; wait for the next one");
  return {};
}

/**
 * Starts (or restarts) TOTP enrolment: a new secret, kept encrypted and
 * pending until confirmed. Needs a recent login. Errors: STEP_UP_REQUIRED
 * (login not recent), TOTP_ALREADY_ENROLLED.
 */
export async function beginTotpEnrollment(deps: IdentityDeps, caller: SelfCaller): Promise<{ secret: string; uri: string; expiresAt: Date }> {
  const now = deps.clock();
  if (now.getTime() - caller.authTime.getTime() > deps.config.freshness.recentLoginMaxAgeMs) {
    throw new IdentityError("STEP_UP_REQUIRED", "log in again before enrolling a second factor");
  }
  const user = await findUser(deps.db, caller.userId);
  if (!user) throw userNotFound(caller.userId);
  if (await totpEnrolled(deps, user.id)) throw new IdentityError("TOTP_ALREADY_ENROLLED", "an authenticator is already enrolled");
  const { secret, sealed } = newSealedSecret(deps, user.id);
  const expiresAt = new Date(now.getTime() + deps.config.totpEnrollmentTtlMs);
  await upsertPendingTotp(deps.db, user.id, sealed, now, expiresAt);
  return { secret, uri: totpUri(secret, issuerLabel(deps), user.email), expiresAt };
}

/** A new TOTP secret and its ciphertext bound to the user, as stored. */
function newSealedSecret(deps: IdentityDeps, userId: string): { secret: string; sealed: Buffer } {
  const secret = newTotpSecret();
  return { secret, sealed: deps.box.seal(Buffer.from(secret, "utf8"), totpAad(userId)) };
}

/** The issuer name shown in authenticator apps. */
function issuerLabel(deps: IdentityDeps): string {
  return `Wallet Mesh (${new URL(deps.config.issuer).host})`;
}

/** Ten new recovery codes and their hashes. */
function newRecoveryCodes(): { codes: string[]; hashes: Buffer[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, randomRecoveryCode);
  return { codes, hashes: codes.map((c) => digest(canonicalRecoveryCode(c))) };
}

/** The end of every enrolment: ten fresh recovery codes (answered, only their hashes kept) and MfaEnrolled. */
async function completeEnrollment(trx: Trx, userId: string, now: Date): Promise<string[]> {
  const { codes, hashes } = newRecoveryCodes();
  await replaceRecoveryCodes(trx, userId, hashes, now);
  await publish(trx, [event("user", userId, { case: "mfaEnrolled", value: create(MfaEnrolledSchema, { userId, method: MfaMethod.TOTP }) })]);
  return codes;
}

/**
 * Confirms the pending enrolment with a first code, answers ten recovery
 * codes and emits MfaEnrolled. Errors: TOTP_NOT_ENROLLED (nothing pending or
 * it expired), TOTP_ALREADY_ENROLLED, TOTP_CODE_INVALID.
 */
export async function confirmTotpEnrollment(deps: IdentityDeps, caller: SelfCaller, code: string): Promise<string[]> {
  return deps.db.transaction().execute(async (trx) => {
    await lockUser(trx, caller.userId);
    const totp = await findTotp(trx, caller.userId, true);
    const now = deps.clock();
    if (totp?.confirmedAt) throw new IdentityError("TOTP_ALREADY_ENROLLED", "an authenticator is already enrolled");
    if (!totp || !totp.pendingExpiresAt || totp.pendingExpiresAt <= now) {
      throw new IdentityError("TOTP_NOT_ENROLLED", "no enrolment is pending; start again");
    }
    const step = matchTotp(secretOf(deps, caller.userId, totp.secretCiphertext), code.trim(), now);
    if (step === undefined) throw new IdentityError("TOTP_CODE_INVALID", "the code does not match");
    await confirmTotp(trx, caller.userId, now, step);
    return completeEnrollment(trx, caller.userId, now);
  });
}

/**
 * Enrols an authenticator for a user created without one, confirmed at once
 * (no first code: whoever creates the user scans the URI afterwards): a new
 * secret encrypted at rest, ten recovery codes, MfaEnrolled. Runs in the
 * transaction creating the user. Answers the otpauth URI and the codes, for
 * showing once.
 */
export async function enrolConfirmedTotp(deps: IdentityDeps, trx: Trx, user: User): Promise<{ uri: string; recoveryCodes: string[] }> {
  const now = deps.clock();
  const { secret, sealed } = newSealedSecret(deps, user.id);
  await insertConfirmedTotp(trx, user.id, sealed, now);
  return { uri: totpUri(secret, issuerLabel(deps), user.email), recoveryCodes: await completeEnrollment(trx, user.id, now) };
}

/** STEP_UP_REQUIRED unless the caller's token proves a fresh second factor. */
export function assertFreshStepUp(deps: IdentityDeps, caller: SelfCaller): void {
  if (!hasFreshSecondFactor(caller.amr, caller.authTime, deps.clock(), deps.config.freshness.stepUpMaxAgeMs)) {
    throw new IdentityError("STEP_UP_REQUIRED", "this action needs a recent second factor: call StepUp and retry");
  }
}

/** Removes TOTP and recovery codes after a fresh step-up; staff are refused (MFA_MANDATORY). Emits MfaDisabled. */
export async function disableTotp(deps: IdentityDeps, caller: SelfCaller): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, caller.userId);
    if (user.kind === "STAFF") throw new IdentityError("MFA_MANDATORY", "staff cannot disable their second factor");
    if (!(await findTotp(trx, user.id))?.confirmedAt) throw new IdentityError("TOTP_NOT_ENROLLED", "no authenticator is enrolled");
    assertFreshStepUp(deps, caller);
    await removeSecondFactors(trx, user.id, "USER");
  });
}

/**
 * Deletes the user's TOTP credential (pending or confirmed) and recovery
 * codes; emits MfaDisabled, naming who removed them, when an authenticator
 * was confirmed. Answers whether one was.
 */
export async function removeSecondFactors(trx: Trx, userId: string, by: "USER" | "STAFF"): Promise<boolean> {
  const enrolled = (await findTotp(trx, userId))?.confirmedAt != null;
  await deleteSecondFactors(trx, userId);
  if (enrolled) {
    await publish(trx, [
      event("user", userId, { case: "mfaDisabled", value: create(MfaDisabledSchema, { userId, method: MfaMethod.TOTP, revokedBy: RevokedBy[by] }) }),
    ]);
  }
  return enrolled;
}

/** Replaces every recovery code after a fresh step-up. */
export async function regenerateRecoveryCodes(deps: IdentityDeps, caller: SelfCaller): Promise<string[]> {
  if (!(await totpEnrolled(deps, caller.userId))) throw new IdentityError("TOTP_NOT_ENROLLED", "no authenticator is enrolled");
  assertFreshStepUp(deps, caller);
  const { codes, hashes } = newRecoveryCodes();
  await deps.db.transaction().execute((trx) => replaceRecoveryCodes(trx, caller.userId, hashes, deps.clock()));
  return codes;
}

/**
 * Proves a second factor within the session: the session's auth_time becomes
 * now and its amr gains "otp" (and "mfa"), and a new access token says so.
 * Failures count towards the login throttle. Errors: MFA_REQUIRED (no TOTP),
 * TOTP_CODE_INVALID, TOTP_CODE_REUSED, RECOVERY_CODE_INVALID.
 */
export async function stepUp(deps: IdentityDeps, caller: SelfCaller, factor: SecondFactor, ip: string) {
  const user = await findUser(deps.db, caller.userId);
  if (!user) throw userNotFound(caller.userId);
  if (!(await totpEnrolled(deps, user.id))) throw new IdentityError("MFA_REQUIRED", "enrol an authenticator first");
  await deps.throttle.assertAllowed({ email: user.email, ip });
  try {
    await verifySecondFactor(deps, user.id, factor);
  } catch (err) {
    await deps.throttle.recordFailure({ email: user.email, ip });
    throw err;
  }
  const now = deps.clock();
  const amr = [...new Set([...caller.amr, "otp", "mfa"])];
  await recordStepUp(deps.db, caller.sessionId, now, amr);
  const access = await accessTokenFor(deps, user, { id: caller.sessionId, deviceId: caller.deviceId, amr, authTime: now });
  return { accessToken: access.token, expiresIn: access.expiresIn, authTime: now };
}
