/**
 * Backoffice operations on staff and users added with four-eyes approval:
 * ResetUserMfa (a user who lost their authenticator) and the approver role.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "@connectrpc/connect";
import { decodeJwt } from "jose";
import { MfaMethod } from "#gen/wallet/identity/v1/token_pb.js";
import { RevokedBy } from "#gen/wallet/events/v1/identity_events_pb.js";
import { Role } from "#gen/wallet/identity/v1/user_pb.js";
import { totpCodeAt } from "../src/crypto/totp.js";
import { device, loggedInUser, outboxEvents, PASSWORD, refusal, uniqueEmail, useIdentity, type IdentityHarness } from "./support/identity-harness.js";

const identity = useIdentity();

const backoffice = (h: IdentityHarness) => h.client({ callerId: "backoffice" });
const reset = (h: IdentityHarness, userId: string) => backoffice(h).resetUserMfa({ userId, reason: "lost their phone", actorId: "support-1" });

/** A customer with TOTP enrolled and two sessions (the one that enrolled and a second login through the challenge). */
async function enrolledUser(h: IdentityHarness) {
  const u = await loggedInUser(h.client());
  const me = h.me(u.tokens.accessToken);
  const begun = await me.beginTotpEnrollment({});
  await me.confirmTotpEnrollment({ totpCode: totpCodeAt(begun.secret, h.clock()) });
  h.clock.advance(30_000);
  const login = await h.client().login({ email: u.email, password: PASSWORD, device: device() });
  const second = await h.client().completeMfaChallenge({
    challengeToken: (login.result.value as { challengeToken: string }).challengeToken,
    factor: { case: "totpCode", value: totpCodeAt(begun.secret, h.clock()) },
  });
  return { ...u, refreshTokens: [u.tokens.refreshToken, second.tokens!.refreshToken] };
}

/** A first admin (forced: the file shares one database) with the TOTP secret from its URI. */
async function admin(h: IdentityHarness) {
  const email = uniqueEmail("admin");
  const res = await backoffice(h).createFirstAdmin({ email, displayName: "Admin", password: PASSWORD, force: true });
  return { userId: res.user!.id, email, secret: new URL(res.totpUri).searchParams.get("secret")! };
}

/** Logs a TOTP user in through the challenge; answers the access token. */
async function loginWithTotp(h: IdentityHarness, email: string, secret: string): Promise<string> {
  h.clock.advance(30_000);
  const login = await h.client().login({ email, password: PASSWORD, device: device() });
  const done = await h.client().completeMfaChallenge({
    challengeToken: (login.result.value as { challengeToken: string }).challengeToken,
    factor: { case: "totpCode", value: totpCodeAt(secret, h.clock()) },
  });
  return done.tokens!.accessToken;
}

test("reset user MFA removes TOTP and recovery codes and revokes every session", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  const res = await reset(h, u.userId);
  assert.equal(res.revokedSessions, 2);
  assert.equal(res.user!.mfa!.totpEnrolled, false);
  assert.equal(res.user!.mfa!.recoveryCodesRemaining, 0);
  assert.equal((await h.db.selectFrom("totp_credentials").select("user_id").where("user_id", "=", u.userId).execute()).length, 0);
  assert.equal((await h.db.selectFrom("recovery_codes").select("user_id").where("user_id", "=", u.userId).execute()).length, 0);
  for (const refreshToken of u.refreshTokens) {
    assert.equal((await refusal(h.client().refreshTokens({ refreshToken }))).reason, "SESSION_REVOKED");
  }
});

test("after a reset of their MFA a user logs in with the password alone", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  await reset(h, u.userId);
  const res = await h.client().login({ email: u.email, password: PASSWORD, device: device() });
  assert.equal(res.result.case, "tokens");
});

test("reset user MFA emits MfaDisabled by staff and SessionRevoked for every session", async () => {
  const h = await identity();
  const u = await enrolledUser(h);
  await reset(h, u.userId);
  const disabled = await outboxEvents(h, { aggregateId: u.userId, type: "MfaDisabled" });
  assert.equal(disabled.length, 1);
  const { userId, method, revokedBy } = disabled[0]!.payload.value as { userId: string; method: MfaMethod; revokedBy: RevokedBy };
  assert.deepEqual([userId, method, revokedBy], [u.userId, MfaMethod.TOTP, RevokedBy.STAFF]);
  const revoked = (await outboxEvents(h, { type: "SessionRevoked" })).filter((e) => (e.payload.value as { userId: string }).userId === u.userId);
  assert.equal(revoked.length, 2);
});

test("reset user MFA of a user without MFA still revokes their sessions and emits no MfaDisabled", async () => {
  const h = await identity();
  const u = await loggedInUser(h.client());
  const res = await reset(h, u.userId);
  assert.equal(res.revokedSessions, 1);
  assert.equal(res.user!.mfa!.totpEnrolled, false);
  assert.equal((await outboxEvents(h, { aggregateId: u.userId, type: "MfaDisabled" })).length, 0);
});

test("reset user MFA of an unknown user is refused with USER_NOT_FOUND", async () => {
  const h = await identity();
  const r = await refusal(reset(h, "00000000-0000-4000-8000-000000000000"));
  assert.deepEqual([r.code, r.reason], [Code.NotFound, "USER_NOT_FOUND"]);
});

test("reset user MFA requires a reason and an actor", async () => {
  const h = await identity();
  const u = await loggedInUser(h.client());
  for (const [req, field] of [[{ reason: "", actorId: "support-1" }, "reason"], [{ reason: "lost phone", actorId: " " }, "actor_id"]] as const) {
    const r = await refusal(backoffice(h).resetUserMfa({ userId: u.userId, ...req }));
    assert.equal(r.code, Code.InvalidArgument);
    assert.match(r.message, new RegExp(`^${field}: is required`));
  }
  assert.equal((await h.client().refreshTokens({ refreshToken: u.tokens.refreshToken })).tokens!.sessionId, u.tokens.sessionId, "nothing was revoked");
});

test("a staff user whose MFA was reset gets tokens without roles until they enrol again", async () => {
  const h = await identity();
  const a = await admin(h);
  await reset(h, a.userId);
  const res = await h.client().login({ email: a.email, password: PASSWORD, device: device() });
  assert.equal(res.result.case, "tokens");
  assert.deepEqual(decodeJwt((res.result.value as { accessToken: string }).accessToken).roles, []);
});

test("a staff user granted the approver role carries it on the user and in tokens after TOTP", async () => {
  const h = await identity();
  const a = await admin(h);
  const updated = await backoffice(h).setStaffRoles({ userId: a.userId, roles: [Role.ADMIN, Role.APPROVER], actorId: "admin-0" });
  assert.deepEqual(updated.user!.roles, [Role.ADMIN, Role.APPROVER]);
  const token = await loginWithTotp(h, a.email, a.secret);
  assert.deepEqual(decodeJwt(token).roles, ["admin", "approver"]);
  const introspected = await h.client().introspectToken({ token });
  assert.deepEqual(introspected.claims!.roles, [Role.ADMIN, Role.APPROVER]);
});

test("a staff user can be created with the approver role alone and found by it", async () => {
  const h = await identity();
  const created = await backoffice(h).createStaffUser({ email: uniqueEmail("approver"), displayName: "Ada Approver", roles: [Role.APPROVER], actorId: "admin-0" });
  assert.deepEqual(created.user!.roles, [Role.APPROVER]);
  const listed = await backoffice(h).listStaffUsers({ role: Role.APPROVER });
  assert.ok(listed.users.length > 0);
  assert.ok(listed.users.some((u) => u.id === created.user!.id));
  assert.ok(listed.users.every((u) => u.roles.includes(Role.APPROVER)));
});
