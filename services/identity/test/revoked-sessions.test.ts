/**
 * Every way identity ends a session lists it in the revoked-session list the
 * edge and the BFF check (real Redis, read with the platform's checker as
 * they read it); a list Redis cannot take leaves the session untouched and
 * the call Unavailable.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code, createClient, createRouterTransport } from "@connectrpc/connect";
import { Redis } from "ioredis";
import { createRevokedSessionChecker, createRevokedSessionRecorder, revokedSessionKey, type RevokedSessionChecker } from "#platform/access-tokens/index.js";
import { asVerifiedCaller } from "#platform/internal-auth/testing/index.js";
import { useTestRedis } from "#platform/testing/index.js";
import { SessionRevocationReason, type SessionRevoked } from "#gen/wallet/events/v1/identity_events_pb.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import { Role } from "#gen/wallet/identity/v1/user_pb.js";
import type { RevocationReason } from "../src/domain/sessions.js";
import { createIdentityRoutes } from "../src/routes.js";
import { device, emailedToken, loggedInUser, outboxEvents, PASSWORD, refusal, uniqueEmail, useIdentity, type IdentityHarness } from "./support/identity-harness.js";

const identity = useIdentity();
const redis = useTestRedis();

/** The harness and a checker reading its revoked-session list (no cache). */
async function setUp(): Promise<{ h: IdentityHarness; list: RevokedSessionChecker; reader: Redis }> {
  const [h, r] = await Promise.all([identity(), redis()]);
  const list = createRevokedSessionChecker({ redis: r.redis, keyPrefix: h.deps.config.revokedSessions.keyPrefix, cacheMs: 0 });
  return { h, list, reader: r.redis };
}

/** A second session of the same user, on another device (or on `deviceId`). */
async function secondSession(h: IdentityHarness, email: string, deviceId?: string, password = PASSWORD) {
  const login = await h.client().login({ email, password, device: device(deviceId) });
  if (login.result.case !== "tokens") throw new Error("expected tokens");
  return login.result.value;
}

const backoffice = (h: IdentityHarness) => h.client({ callerId: "backoffice" });

/** A staff user with `roles`, a password (through the invitation) and two sessions; no TOTP, so their tokens carry no roles, but the sessions are real. */
async function staffWithTwoSessions(h: IdentityHarness, roles: Role[]) {
  const email = uniqueEmail("staff");
  const created = await backoffice(h).createStaffUser({ email, displayName: "Sam Staff", roles, actorId: "admin-1" });
  const userId = created.user!.id;
  const password = "staff passphrase one";
  await h.client().completeAccountRecovery({ token: await emailedToken(h, userId, "RecoveryRequested"), newPassword: password });
  const sessions = [await secondSession(h, email, undefined, password), await secondSession(h, email, undefined, password)];
  return { userId, sessionIds: sessions.map((s) => s.sessionId) };
}

/**
 * Asserts each session ended the way the rest of the mesh learns it: listed
 * for the edge and the BFF with `reason` as the entry's value, and announced
 * by exactly one SessionRevoked carrying the same reason (consumers such as
 * notifications act on the event, not the list).
 */
async function assertEndedEverywhere(h: IdentityHarness, list: RevokedSessionChecker, reader: Redis, sessionIds: readonly string[], reason: RevocationReason) {
  for (const sid of sessionIds) {
    assert.equal(await list.status(sid), "revoked", `session ${sid} listed`);
    assert.equal(await reader.get(revokedSessionKey(h.deps.config.revokedSessions.keyPrefix, sid)), reason, `session ${sid} entry`);
    const announced = await outboxEvents(h, { aggregateId: sid, type: "SessionRevoked" });
    assert.deepEqual(
      announced.map((e) => (e.payload.value as SessionRevoked).reason),
      [SessionRevocationReason[reason]],
      `session ${sid} announced once`,
    );
  }
}

test("logout lists the session as revoked for as long as its access tokens can live, with the reason", async () => {
  const { h, list, reader } = await setUp();
  const u = await loggedInUser(h.client());
  assert.equal(await list.status(u.tokens.sessionId), "active");
  await h.client().logout({ refreshToken: u.tokens.refreshToken });
  assert.equal(await list.status(u.tokens.sessionId), "revoked");
  const key = revokedSessionKey(h.deps.config.revokedSessions.keyPrefix, u.tokens.sessionId);
  assert.equal(await reader.get(key), "LOGOUT");
  const ttl = await reader.pttl(key);
  const longest = h.deps.config.accessTokenTtlMs + 30_000;
  assert.equal(h.deps.config.revokedSessions.ttlMs, longest);
  assert.ok(ttl > longest - 5_000 && ttl <= longest, `ttl ${ttl}`);
});

test("RevokeSession lists and announces the session it ends and leaves the caller's own unlisted", async () => {
  const { h, list, reader } = await setUp();
  const u = await loggedInUser(h.client());
  const other = await secondSession(h, u.email);
  await h.me(u.tokens.accessToken).revokeSession({ sessionId: other.sessionId });
  await assertEndedEverywhere(h, list, reader, [other.sessionId], "USER_REVOKED");
  assert.equal(await list.status(u.tokens.sessionId), "active");
});

test("RevokeSession of the caller's own session lists and announces it as a logout", async () => {
  const { h, list, reader } = await setUp();
  const u = await loggedInUser(h.client());
  await h.me(u.tokens.accessToken).revokeSession({ sessionId: u.tokens.sessionId });
  await assertEndedEverywhere(h, list, reader, [u.tokens.sessionId], "LOGOUT");
});

test("revoking a device lists and announces every session opened on it and leaves the caller's unlisted", async () => {
  const { h, list, reader } = await setUp();
  const u = await loggedInUser(h.client());
  const again = await secondSession(h, u.email, u.deviceId);
  const caller = await secondSession(h, u.email);
  assert.equal((await h.me(caller.accessToken).revokeDevice({ deviceId: u.deviceId })).revokedSessions, 2);
  await assertEndedEverywhere(h, list, reader, [u.tokens.sessionId, again.sessionId], "DEVICE_REVOKED");
  assert.equal(await list.status(caller.sessionId), "active");
});

test("presenting a rotated refresh token after the grace period lists the whole session", async () => {
  const { h, list } = await setUp();
  const u = await loggedInUser(h.client());
  await h.client().refreshTokens({ refreshToken: u.tokens.refreshToken });
  h.clock.advance(h.deps.config.refreshGraceMs + 1);
  assert.equal((await refusal(h.client().refreshTokens({ refreshToken: u.tokens.refreshToken }))).reason, "REFRESH_TOKEN_REUSED");
  assert.equal(await list.status(u.tokens.sessionId), "revoked");
});

test("a password change lists every other session of the user but not the caller's", async () => {
  const { h, list } = await setUp();
  const u = await loggedInUser(h.client());
  const other = await secondSession(h, u.email);
  assert.equal(await h.me(u.tokens.accessToken).changePassword({ currentPassword: PASSWORD, newPassword: "a brand new passphrase" }).then((r) => r.revokedSessions), 1);
  assert.equal(await list.status(other.sessionId), "revoked");
  assert.equal(await list.status(u.tokens.sessionId), "active");
});

test("completing account recovery lists every session of the user", async () => {
  const { h, list } = await setUp();
  const u = await loggedInUser(h.client());
  const other = await secondSession(h, u.email);
  await h.client().requestAccountRecovery({ email: u.email });
  await h.client().completeAccountRecovery({ token: await emailedToken(h, u.userId, "RecoveryRequested"), newPassword: "a brand new passphrase" });
  assert.equal(await list.status(u.tokens.sessionId), "revoked");
  assert.equal(await list.status(other.sessionId), "revoked");
});

test("a staff lock lists every session of the locked user", async () => {
  const { h, list } = await setUp();
  const u = await loggedInUser(h.client());
  await h.client({ callerId: "backoffice" }).lockUser({ userId: u.userId, reason: "fraud", actorId: "support-1" });
  assert.equal(await list.status(u.tokens.sessionId), "revoked");
});

test("RevokeUserSessions lists and announces every session of the user", async () => {
  const { h, list, reader } = await setUp();
  const u = await loggedInUser(h.client());
  const other = await secondSession(h, u.email);
  assert.equal((await backoffice(h).revokeUserSessions({ userId: u.userId, reason: "account takeover", actorId: "support-1" })).revokedSessions, 2);
  await assertEndedEverywhere(h, list, reader, [u.tokens.sessionId, other.sessionId], "STAFF");
});

test("ResetUserMfa lists and announces every session of the user", async () => {
  const { h, list, reader } = await setUp();
  const u = await loggedInUser(h.client());
  const other = await secondSession(h, u.email);
  assert.equal((await backoffice(h).resetUserMfa({ userId: u.userId, reason: "lost their phone", actorId: "support-1" })).revokedSessions, 2);
  await assertEndedEverywhere(h, list, reader, [u.tokens.sessionId, other.sessionId], "STAFF");
});

test("removing a staff role lists and announces every session of the staff user", async () => {
  const { h, list, reader } = await setUp();
  const staff = await staffWithTwoSessions(h, [Role.SUPPORT, Role.RISK_ANALYST]);
  await backoffice(h).setStaffRoles({ userId: staff.userId, roles: [Role.SUPPORT], actorId: "admin-1" });
  await assertEndedEverywhere(h, list, reader, staff.sessionIds, "STAFF");
});

test("granting a staff role leaves the staff user's sessions unlisted", async () => {
  // Tokens minted before the change carry fewer roles than the user now has: safe, so nothing is ended.
  const { h, list } = await setUp();
  const staff = await staffWithTwoSessions(h, [Role.SUPPORT]);
  await backoffice(h).setStaffRoles({ userId: staff.userId, roles: [Role.SUPPORT, Role.RISK_ANALYST], actorId: "admin-1" });
  for (const sid of staff.sessionIds) assert.equal(await list.status(sid), "active");
  for (const sid of staff.sessionIds) assert.equal((await outboxEvents(h, { aggregateId: sid, type: "SessionRevoked" })).length, 0);
});

test("when Redis cannot take the list, logout answers Unavailable with a retry delay and the session stays usable", async () => {
  const { h, list } = await setUp();
  const u = await loggedInUser(h.client());
  const down = new Redis("redis://127.0.0.1:1", { lazyConnect: false, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  down.on("error", () => {});
  try {
    const deps = { ...h.deps, revokedSessions: createRevokedSessionRecorder({ redis: down, ...h.deps.config.revokedSessions }) };
    const transport = createRouterTransport(createIdentityRoutes(deps), { router: { interceptors: [asVerifiedCaller({ callerId: "gateway", mode: "off" })] } });
    const refused = await refusal(createClient(IdentityService, transport).logout({ refreshToken: u.tokens.refreshToken }));
    assert.equal(refused.code, Code.Unavailable);
    assert.equal(refused.retryMs, 1_000);
    assert.equal(await list.status(u.tokens.sessionId), "active");
    // Nothing was revoked: the refresh token still works, and a retry once Redis answers ends the session.
    const next = (await h.client().refreshTokens({ refreshToken: u.tokens.refreshToken })).tokens!;
    await h.client().logout({ refreshToken: next.refreshToken });
    assert.equal(await list.status(u.tokens.sessionId), "revoked");
  } finally {
    down.disconnect();
  }
});
