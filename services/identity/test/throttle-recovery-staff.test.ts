import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "@connectrpc/connect";
import { decodeJwt } from "jose";
import { Role } from "#gen/wallet/identity/v1/user_pb.js";
import { totpCodeAt } from "../src/crypto/totp.js";
import { device, emailedToken, loggedInUser, outboxEvents, PASSWORD, refusal, signUpUser, uniqueEmail, useIdentity, type IdentityHarness } from "./support/identity-harness.js";

const identity = useIdentity();

async function failLogins(h: IdentityHarness, email: string, times: number, ip = "") {
  const client = h.client({ headers: ip ? { "x-client-ip": ip } : {} });
  const reasons: string[] = [];
  for (let i = 0; i < times; i++) reasons.push((await refusal(client.login({ email, password: "wrong password!", device: device() }))).reason);
  return reasons;
}

test("repeated failures lock the account with ACCOUNT_LOCKED and a retry delay, even for the right password", async () => {
  const h = await identity();
  const { email } = await signUpUser(h.client());
  const limits = h.deps.config.throttle.account;
  const reasons = await failLogins(h, email, limits.freeAttempts + 1);
  assert.deepEqual(reasons, Array(limits.freeAttempts + 1).fill("INVALID_CREDENTIALS"));
  const delayed = await refusal(h.client().login({ email, password: PASSWORD, device: device() }));
  assert.equal(delayed.code, Code.ResourceExhausted);
  assert.equal(delayed.reason, "ACCOUNT_LOCKED");
  assert.equal(delayed.retryMs, limits.baseDelayMs);
});

test("the lock expires after its duration and the right password then logs in", async () => {
  const h = await identity();
  const { email } = await signUpUser(h.client());
  const limits = h.deps.config.throttle.account;
  for (let i = 0; i < limits.lockAfter; i++) {
    await refusal(h.client().login({ email, password: "wrong password!", device: device() }));
    h.clock.advance(limits.maxDelayMs);
  }
  h.clock.advance(-limits.maxDelayMs + 1);
  const locked = await refusal(h.client().login({ email, password: PASSWORD, device: device() }));
  assert.equal(locked.reason, "ACCOUNT_LOCKED");
  assert.ok(locked.retryMs! > limits.maxDelayMs, `locked for ${locked.retryMs} ms`);
  h.clock.advance(limits.lockMs);
  const res = await h.client().login({ email, password: PASSWORD, device: device() });
  assert.equal(res.result.case, "tokens");
});

test("an unknown email is throttled exactly like an existing one", async () => {
  const h = await identity();
  const { email } = await signUpUser(h.client());
  const ghost = uniqueEmail("ghost");
  const n = h.deps.config.throttle.account.freeAttempts + 1;
  assert.deepEqual(await failLogins(h, email, n), await failLogins(h, ghost, n));
  const a = await refusal(h.client().login({ email, password: "x", device: device() }));
  const b = await refusal(h.client().login({ email: ghost, password: "x", device: device() }));
  assert.deepEqual(a, b);
});

test("failures from one IP across many emails block that IP", async () => {
  const h = await identity();
  const limits = h.deps.config.throttle.ip;
  for (let i = 0; i <= limits.freeAttempts; i++) await failLogins(h, uniqueEmail("spray"), 1, "198.51.100.9");
  const r = await refusal(h.client({ headers: { "x-client-ip": "198.51.100.9" } }).login({ email: uniqueEmail(), password: "x", device: device() }));
  assert.equal(r.reason, "ACCOUNT_LOCKED");
  const other = await refusal(h.client({ headers: { "x-client-ip": "198.51.100.10" } }).login({ email: uniqueEmail(), password: "x", device: device() }));
  assert.equal(other.reason, "INVALID_CREDENTIALS");
});

test("account recovery answers the same for existing and unknown emails and emits RecoveryRequested only for the account", async () => {
  const h = await identity();
  const { userId, email } = await signUpUser(h.client());
  const known = await h.client().requestAccountRecovery({ email });
  const unknown = await h.client().requestAccountRecovery({ email: uniqueEmail("nobody") });
  assert.deepEqual(known, unknown);
  assert.equal((await outboxEvents(h, { type: "RecoveryRequested" })).filter((e) => e.aggregateId === userId).length, 1);
  assert.equal((await outboxEvents(h, { type: "RecoveryRequested" })).length, 1);
});

test("completing recovery sets the password, revokes every session, and the token is refused the second time", async () => {
  const h = await identity();
  const u = await loggedInUser(h.client());
  await h.client().requestAccountRecovery({ email: u.email });
  const token = await emailedToken(h, u.userId, "RecoveryRequested");
  await h.client().completeAccountRecovery({ token, newPassword: "a brand new passphrase" });
  assert.equal((await refusal(h.client().refreshTokens({ refreshToken: u.tokens.refreshToken }))).reason, "SESSION_REVOKED");
  const again = await refusal(h.client().completeAccountRecovery({ token, newPassword: "another new passphrase" }));
  assert.equal(again.code, Code.InvalidArgument);
  assert.equal(again.reason, "RECOVERY_TOKEN_INVALID");
  assert.equal((await h.client().login({ email: u.email, password: "a brand new passphrase", device: device() })).result.case, "tokens");
  const changed = await outboxEvents(h, { aggregateId: u.userId, type: "PasswordChanged" });
  assert.equal((changed[0]!.payload.value as { viaRecovery: boolean }).viaRecovery, true);
});

test("a recovery token after its expiry is refused", async () => {
  const h = await identity();
  const { userId, email } = await signUpUser(h.client());
  await h.client().requestAccountRecovery({ email });
  const token = await emailedToken(h, userId, "RecoveryRequested");
  h.clock.advance(h.deps.config.recoveryTokenTtlMs + 1);
  assert.equal((await refusal(h.client().completeAccountRecovery({ token, newPassword: "a brand new passphrase" }))).reason, "RECOVERY_TOKEN_INVALID");
});

test("recovery does not bypass MFA: the next login still asks for the second factor", async () => {
  const h = await identity();
  const u = await loggedInUser(h.client());
  const me = h.me(u.tokens.accessToken);
  const begun = await me.beginTotpEnrollment({});
  await me.confirmTotpEnrollment({ totpCode: totpCodeAt(begun.secret, h.clock()) });
  await h.client().requestAccountRecovery({ email: u.email });
  await h.client().completeAccountRecovery({ token: await emailedToken(h, u.userId, "RecoveryRequested"), newPassword: "a brand new passphrase" });
  const res = await h.client().login({ email: u.email, password: "a brand new passphrase", device: device() });
  assert.equal(res.result.case, "mfaChallenge");
});

test("change password needs the current one and revokes the other sessions", async () => {
  const h = await identity();
  const u = await loggedInUser(h.client());
  const other = await h.client().login({ email: u.email, password: PASSWORD, device: device() });
  const me = h.me(u.tokens.accessToken);
  assert.equal((await refusal(me.changePassword({ currentPassword: "nope nope nope", newPassword: "a brand new passphrase" }))).reason, "CURRENT_PASSWORD_INVALID");
  assert.equal((await me.changePassword({ currentPassword: PASSWORD, newPassword: "a brand new passphrase" })).revokedSessions, 1);
  assert.equal((await refusal(h.client().refreshTokens({ refreshToken: (other.result.value as { refreshToken: string }).refreshToken }))).reason, "SESSION_REVOKED");
  await h.client().refreshTokens({ refreshToken: u.tokens.refreshToken });
});

test("a staff user gets no roles in tokens until TOTP is enrolled and proven, and cannot disable it", async () => {
  const h = await identity();
  const email = uniqueEmail("staff");
  const created = await h.client({ callerId: "backoffice" }).createStaffUser({ email, displayName: "Ana Admin", roles: [Role.SUPPORT], actorId: "admin-1" });
  const staffId = created.user!.id;
  await h.client().completeAccountRecovery({ token: await emailedToken(h, staffId, "RecoveryRequested"), newPassword: "staff passphrase one" });
  const first = await h.client().login({ email, password: "staff passphrase one", device: device() });
  assert.equal(first.result.case, "tokens");
  const restricted = (first.result.value as { accessToken: string }).accessToken;
  assert.deepEqual(decodeJwt(restricted).roles, [], "no roles before MFA");
  const me = h.me(restricted);
  const begun = await me.beginTotpEnrollment({});
  await me.confirmTotpEnrollment({ totpCode: totpCodeAt(begun.secret, h.clock()) });
  h.clock.advance(30_000);
  const login = await h.client().login({ email, password: "staff passphrase one", device: device() });
  assert.equal(login.result.case, "mfaChallenge");
  const done = await h.client().completeMfaChallenge({
    challengeToken: (login.result.value as { challengeToken: string }).challengeToken,
    factor: { case: "totpCode", value: totpCodeAt(begun.secret, h.clock()) },
  });
  assert.deepEqual(decodeJwt(done.tokens!.accessToken).roles, ["support"]);
  h.clock.advance(30_000);
  const stepped = await h.me(done.tokens!.accessToken).stepUp({ factor: { case: "totpCode", value: totpCodeAt(begun.secret, h.clock()) } });
  assert.equal((await refusal(h.me(stepped.accessToken).disableTotp({}))).reason, "MFA_MANDATORY");
});

test("a staff lock refuses login with ACCOUNT_SUSPENDED only after the right password, and revokes sessions", async () => {
  const h = await identity();
  const u = await loggedInUser(h.client());
  const res = await h.client({ callerId: "backoffice" }).lockUser({ userId: u.userId, reason: "fraud", actorId: "support-1" });
  assert.equal(res.revokedSessions, 1);
  assert.equal((await refusal(h.client().login({ email: u.email, password: "wrong wrong", device: device() }))).reason, "INVALID_CREDENTIALS");
  const r = await refusal(h.client().login({ email: u.email, password: PASSWORD, device: device() }));
  assert.equal(r.code, Code.PermissionDenied);
  assert.equal(r.reason, "ACCOUNT_SUSPENDED");
  await h.client({ callerId: "backoffice" }).unlockUser({ userId: u.userId, reason: "cleared", actorId: "support-1" });
  assert.equal((await h.client().login({ email: u.email, password: PASSWORD, device: device() })).result.case, "tokens");
});

test("LookupUser finds an active customer by verified email and GetUser answers devices and sessions", async () => {
  const h = await identity();
  const u = await loggedInUser(h.client());
  assert.equal((await refusal(h.client().lookupUser({ key: { case: "email", value: u.email } }))).reason, "USER_NOT_FOUND");
  await h.client().verifyEmail({ token: await emailedToken(h, u.userId, "EmailVerificationRequested") });
  assert.equal((await h.client().lookupUser({ key: { case: "email", value: u.email.toUpperCase() } })).userId, u.userId);
  const got = await h.client({ callerId: "backoffice" }).getUser({ userId: u.userId });
  assert.equal(got.user!.email, u.email);
  assert.equal(got.sessions.length, 1);
  assert.equal(got.devices.length, 2);
  const found = await h.client({ callerId: "backoffice" }).searchUsers({ query: u.email.slice(0, 10) });
  assert.ok(found.users.some((x) => x.id === u.userId));
  assert.equal((await h.client({ callerId: "backoffice" }).revokeUserSessions({ userId: u.userId, reason: "r", actorId: "a" })).revokedSessions, 1);
});
