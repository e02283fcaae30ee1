import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "@connectrpc/connect";
import { decodeJwt } from "jose";
import { totpCodeAt } from "../src/crypto/totp.js";
import { device, loggedInUser, outboxEvents, PASSWORD, refusal, useIdentity, type IdentityHarness } from "./support/identity-harness.js";

const identity = useIdentity();

/** A logged-in user with confirmed TOTP; answers the secret and recovery codes. */
async function enrolledUser(h: IdentityHarness) {
  const u = await loggedInUser(h.client());
  const me = h.me(u.tokens.accessToken);
  const begun = await me.beginTotpEnrollment({});
  const { recoveryCodes } = await me.confirmTotpEnrollment({ totpCode: totpCodeAt(begun.secret, h.clock()) });
  h.clock.advance(30_000); // the enrolment code's step is spent
  return { ...u, secret: begun.secret, recoveryCodes, uri: begun.otpauthUri };
}

async function challenge(h: IdentityHarness, email: string): Promise<string> {
  const res = await h.client().login({ email, password: PASSWORD, device: device() });
  assert.equal(res.result.case, "mfaChallenge");
  return (res.result.value as { challengeToken: string }).challengeToken;
}

test("enrolment answers a secret and an otpauth URI, and confirmation answers ten recovery codes and emits MfaEnrolled", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  assert.match(u.uri, /^otpauth:\/\/totp\/.*secret=.*(algorithm=SHA1).*/);
  assert.match(u.uri, /digits=6/);
  assert.match(u.uri, /period=30/);
  assert.equal(u.recoveryCodes.length, 10);
  assert.equal(new Set(u.recoveryCodes).size, 10);
  assert.equal((await outboxEvents(h, { aggregateId: u.userId, type: "MfaEnrolled" })).length, 1);
  const user = (await h.me(u.tokens.accessToken).getCurrentUser({})).user!;
  assert.equal(user.mfa!.totpEnrolled, true);
  assert.equal(user.mfa!.recoveryCodesRemaining, 10);
});

test("a wrong first code does not confirm the enrolment", async () => {
  const h = await identity();
  const u = await loggedInUser(h.client());
  const me = h.me(u.tokens.accessToken);
  await me.beginTotpEnrollment({});
  assert.equal((await refusal(me.confirmTotpEnrollment({ totpCode: "000000" }))).reason, "TOTP_CODE_INVALID");
});

test("login with TOTP enrolled answers an MFA challenge, and a current code completes it with amr otp", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  const token = await challenge(h, u.email);
  const res = await h.client().completeMfaChallenge({ challengeToken: token, factor: { case: "totpCode", value: totpCodeAt(u.secret, h.clock()) } });
  assert.deepEqual(decodeJwt(res.tokens!.accessToken).amr, ["pwd", "otp", "mfa"]);
});

test("a code from one step earlier is accepted (±1 step of drift)", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  h.clock.advance(30_000);
  const token = await challenge(h, u.email);
  const code = totpCodeAt(u.secret, new Date(h.clock().getTime() - 30_000));
  await h.client().completeMfaChallenge({ challengeToken: token, factor: { case: "totpCode", value: code } });
});

test("a TOTP code accepted once is refused when replayed (TOTP_CODE_REUSED)", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  const code = totpCodeAt(u.secret, h.clock());
  await h.client().completeMfaChallenge({ challengeToken: await challenge(h, u.email), factor: { case: "totpCode", value: code } });
  const r = await refusal(h.client().completeMfaChallenge({ challengeToken: await challenge(h, u.email), factor: { case: "totpCode", value: code } }));
  assert.equal(r.code, Code.Unauthenticated);
  assert.equal(r.reason, "TOTP_CODE_REUSED");
});

test("an MFA challenge completes at most once", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  const token = await challenge(h, u.email);
  await h.client().completeMfaChallenge({ challengeToken: token, factor: { case: "totpCode", value: totpCodeAt(u.secret, h.clock()) } });
  h.clock.advance(30_000);
  const r = await refusal(h.client().completeMfaChallenge({ challengeToken: token, factor: { case: "totpCode", value: totpCodeAt(u.secret, h.clock()) } }));
  assert.equal(r.reason, "MFA_CHALLENGE_INVALID");
});

test("an expired MFA challenge is refused", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  const token = await challenge(h, u.email);
  h.clock.advance(h.deps.config.mfaChallengeTtlMs + 1_000);
  const r = await refusal(h.client().completeMfaChallenge({ challengeToken: token, factor: { case: "totpCode", value: totpCodeAt(u.secret, h.clock()) } }));
  assert.equal(r.reason, "MFA_CHALLENGE_INVALID");
});

test("an MFA challenge token is refused as an access token", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  const token = await challenge(h, u.email);
  assert.equal((await refusal(h.me(token).getCurrentUser({}))).reason, "TOKEN_INVALID");
  assert.equal((await h.client().introspectToken({ token })).active, false);
});

test("a recovery code completes a challenge once and is then refused", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  const code = u.recoveryCodes[0]!;
  const res = await h.client().completeMfaChallenge({ challengeToken: await challenge(h, u.email), factor: { case: "recoveryCode", value: code.toUpperCase() } });
  assert.equal(res.recoveryCodesRemaining, 9);
  const r = await refusal(h.client().completeMfaChallenge({ challengeToken: await challenge(h, u.email), factor: { case: "recoveryCode", value: code } }));
  assert.equal(r.reason, "RECOVERY_CODE_INVALID");
});

test("step-up answers an access token with a fresh auth_time and amr including otp", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  h.clock.advance(60_000);
  const res = await h.me(u.tokens.accessToken).stepUp({ factor: { case: "totpCode", value: totpCodeAt(u.secret, h.clock()) } });
  const claims = decodeJwt(res.accessToken);
  assert.ok((claims.amr as string[]).includes("otp"));
  assert.equal(claims.auth_time, Math.floor(h.clock().getTime() / 1000));
  assert.equal(res.tokenType, "Bearer");
});

test("step-up without TOTP enrolled is refused with MFA_REQUIRED", async () => {
  const h = await identity();
  const u = await loggedInUser(h.client());
  const r = await refusal(h.me(u.tokens.accessToken).stepUp({ factor: { case: "totpCode", value: "123456" } }));
  assert.equal(r.code, Code.FailedPrecondition);
  assert.equal(r.reason, "MFA_REQUIRED");
});

test("disabling TOTP needs a fresh step-up, then removes it and emits MfaDisabled", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  assert.equal((await refusal(h.me(u.tokens.accessToken).disableTotp({}))).reason, "STEP_UP_REQUIRED");
  await h.me(u.tokens.accessToken).stepUp({ factor: { case: "totpCode", value: totpCodeAt(u.secret, h.clock()) } });
  h.clock.advance(h.deps.config.freshness.stepUpMaxAgeMs + 1_000);
  // A refreshed token carries the session's (now stale) step-up.
  const stale = (await h.client().refreshTokens({ refreshToken: u.tokens.refreshToken })).tokens!;
  assert.equal((await refusal(h.me(stale.accessToken).disableTotp({}))).reason, "STEP_UP_REQUIRED", "a stale step-up is not enough");
  const fresh = await h.me(stale.accessToken).stepUp({ factor: { case: "totpCode", value: totpCodeAt(u.secret, h.clock()) } });
  await h.me(fresh.accessToken).disableTotp({});
  assert.equal((await outboxEvents(h, { aggregateId: u.userId, type: "MfaDisabled" })).length, 1);
  const res = await h.client().login({ email: u.email, password: PASSWORD, device: device() });
  assert.equal(res.result.case, "tokens");
});

test("regenerating recovery codes needs a step-up and invalidates the old codes", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  assert.equal((await refusal(h.me(u.tokens.accessToken).regenerateRecoveryCodes({}))).reason, "STEP_UP_REQUIRED");
  const fresh = await h.me(u.tokens.accessToken).stepUp({ factor: { case: "totpCode", value: totpCodeAt(u.secret, h.clock()) } });
  const { recoveryCodes } = await h.me(fresh.accessToken).regenerateRecoveryCodes({});
  assert.equal(recoveryCodes.length, 10);
  const r = await refusal(h.client().completeMfaChallenge({ challengeToken: await challenge(h, u.email), factor: { case: "recoveryCode", value: u.recoveryCodes[1]! } }));
  assert.equal(r.reason, "RECOVERY_CODE_INVALID");
});

test("trusting a device needs a fresh step-up", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  assert.equal((await refusal(h.me(u.tokens.accessToken).trustDevice({ deviceId: u.deviceId }))).reason, "STEP_UP_REQUIRED");
  const fresh = await h.me(u.tokens.accessToken).stepUp({ factor: { case: "totpCode", value: totpCodeAt(u.secret, h.clock()) } });
  assert.equal((await h.me(fresh.accessToken).trustDevice({ deviceId: u.deviceId })).device!.trusted, true);
});
