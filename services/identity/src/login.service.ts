/**
 * Login: password check with throttling, then tokens or an MFA challenge;
 * completing the challenge with a TOTP or recovery code.
 *
 * Existence is never revealed: an unknown email costs the same argon2 work
 * (a dummy hash is checked), counts towards the same throttle (keyed by the
 * email typed), and answers the same INVALID_CREDENTIALS. A staff lock
 * (ACCOUNT_SUSPENDED) is only told after the right password.
 */
import type { IdentityDeps } from "./context.js";
import { looseEmail } from "./domain/contact.js";
import { IdentityError, invalidCredentials } from "./domain/identity-error.js";
import type { ClientInfo, DeviceInput, User } from "./domain/users.js";
import { totpEnrolled, verifySecondFactor, type SecondFactor } from "./mfa.service.js";
import { openSession, type TokenPairResult } from "./sessions.service.js";
import { countChallengeFailure, insertMfaChallenge, lockMfaChallenge, markChallengeUsed } from "./storage/mfa.repository.js";
import { findUser, findUserByEmail } from "./storage/users.repository.js";

/** Wrong second factors after which a challenge stops working. */
const CHALLENGE_MAX_FAILURES = 5;

/** Tokens, or a challenge for the second factor. */
export type LoginResult =
  | { kind: "tokens"; tokens: TokenPairResult }
  | { kind: "mfa"; challengeToken: string; expiresAt: Date };

/**
 * Checks email and password. Errors: ACCOUNT_LOCKED (throttled, before any
 * check), INVALID_CREDENTIALS, ACCOUNT_SUSPENDED (right password, staff lock).
 */
export async function login(deps: IdentityDeps, input: { email: string; password: string; device: DeviceInput; client: ClientInfo }): Promise<LoginResult> {
  const email = looseEmail(input.email);
  const subject = { email, ip: input.client.ipAddress };
  await deps.throttle.assertAllowed(subject);
  const user = await findUserByEmail(deps.db, email);
  const ok = user?.passwordHash ? await deps.hasher.verify(user.passwordHash, input.password) : await deps.hasher.burn(input.password);
  if (!ok || !user) {
    await deps.throttle.recordFailure(subject);
    throw invalidCredentials();
  }
  if (user.status !== "ACTIVE") throw new IdentityError("ACCOUNT_SUSPENDED", "the account is locked; contact support");
  if (await totpEnrolled(deps, user.id)) {
    const now = deps.clock();
    const expiresAt = new Date(now.getTime() + deps.config.mfaChallengeTtlMs);
    const id = await insertMfaChallenge(deps.db, { userId: user.id, device: input.device, ipAddress: input.client.ipAddress, userAgent: input.client.userAgent, now, expiresAt });
    return { kind: "mfa", challengeToken: await deps.tokens.issueMfaChallenge(id, user.id, expiresAt), expiresAt };
  }
  await deps.throttle.reset(email);
  const tokens = await deps.db.transaction().execute((trx) => openSession(deps, trx, user, input.device, input.client, ["pwd"]));
  return { kind: "tokens", tokens };
}

/**
 * Completes a challenge: the challenge must be valid, unused and unexpired;
 * the factor is checked (failures count towards the login throttle and, after
 * five, end the challenge). Errors: MFA_CHALLENGE_INVALID, ACCOUNT_LOCKED,
 * ACCOUNT_SUSPENDED, TOTP_CODE_INVALID, TOTP_CODE_REUSED, RECOVERY_CODE_INVALID.
 */
export async function completeMfaChallenge(
  deps: IdentityDeps,
  input: { challengeToken: string; factor: SecondFactor; client: ClientInfo },
): Promise<{ tokens: TokenPairResult; recoveryCodesRemaining?: number }> {
  const invalid = () => new IdentityError("MFA_CHALLENGE_INVALID", "the MFA challenge is unknown, used or expired; log in again");
  const claims = await deps.tokens.verifyMfaChallenge(input.challengeToken);
  if (!claims) throw invalid();
  const user: User | undefined = await findUser(deps.db, claims.userId);
  if (!user) throw invalid();
  const subject = { email: user.email, ip: input.client.ipAddress };
  await deps.throttle.assertAllowed(subject);

  // Claim the challenge first (row lock), so a challenge completes at most once.
  type Outcome = { failed: Error; challengeId: string } | { tokens: TokenPairResult; recoveryCodesRemaining?: number };
  const outcome = await deps.db.transaction().execute(async (trx): Promise<Outcome> => {
    const challenge = await lockMfaChallenge(trx, claims.challengeId);
    const now = deps.clock();
    if (!challenge || challenge.userId !== user.id || challenge.usedAt || challenge.expiresAt <= now || challenge.failures >= CHALLENGE_MAX_FAILURES) {
      throw invalid();
    }
    if (user.status !== "ACTIVE") throw new IdentityError("ACCOUNT_SUSPENDED", "the account is locked; contact support");
    let verified: { recoveryCodesRemaining?: number };
    try {
      verified = await verifySecondFactor(deps, user.id, input.factor);
    } catch (err) {
      return { failed: err as Error, challengeId: challenge.id };
    }
    await markChallengeUsed(trx, challenge.id, now);
    const tokens = await openSession(deps, trx, user, challenge.device, { ipAddress: input.client.ipAddress || challenge.ipAddress, userAgent: input.client.userAgent || challenge.userAgent }, ["pwd", "otp", "mfa"]);
    return { tokens, recoveryCodesRemaining: verified.recoveryCodesRemaining };
  });
  if ("failed" in outcome) {
    await countChallengeFailure(deps.db, outcome.challengeId);
    await deps.throttle.recordFailure(subject);
    throw outcome.failed;
  }
  await deps.throttle.reset(user.email);
  return outcome;
}
