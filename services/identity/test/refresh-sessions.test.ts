import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "@connectrpc/connect";
import { loggedInUser, outboxEvents, refusal, useIdentity } from "./support/identity-harness.js";

const identity = useIdentity();

test("a refresh answers a new pair and the presented token is rotated", async () => {
  const h = await identity();
  const { tokens } = await loggedInUser(h.client());
  const next = (await h.client().refreshTokens({ refreshToken: tokens.refreshToken })).tokens!;
  assert.notEqual(next.refreshToken, tokens.refreshToken);
  assert.equal(next.sessionId, tokens.sessionId);
  const again = (await h.client().refreshTokens({ refreshToken: next.refreshToken })).tokens!;
  assert.equal(again.sessionId, tokens.sessionId);
});

test("a rotated token presented after the grace period revokes the whole session (REFRESH_TOKEN_REUSED)", async () => {
  const h = await identity();
  const { userId, tokens } = await loggedInUser(h.client());
  const next = (await h.client().refreshTokens({ refreshToken: tokens.refreshToken })).tokens!;
  h.clock.advance(h.deps.config.refreshGraceMs + 1);
  const r = await refusal(h.client().refreshTokens({ refreshToken: tokens.refreshToken }));
  assert.equal(r.code, Code.Unauthenticated);
  assert.equal(r.reason, "REFRESH_TOKEN_REUSED");
  assert.equal((await refusal(h.client().refreshTokens({ refreshToken: next.refreshToken }))).reason, "SESSION_REVOKED");
  const revoked = await outboxEvents(h, { aggregateId: tokens.sessionId, type: "SessionRevoked" });
  assert.equal(revoked.length, 1);
  assert.equal((revoked[0]!.payload.value as { userId: string }).userId, userId);
});

test("a rotated token presented again within the grace period answers the same successor", async () => {
  const h = await identity();
  const { tokens } = await loggedInUser(h.client());
  const first = (await h.client().refreshTokens({ refreshToken: tokens.refreshToken })).tokens!;
  h.clock.advance(1_000);
  const second = (await h.client().refreshTokens({ refreshToken: tokens.refreshToken })).tokens!;
  assert.equal(second.refreshToken, first.refreshToken);
  await h.client().refreshTokens({ refreshToken: second.refreshToken });
});

test("two concurrent refreshes with one token both succeed with the same refresh token", async () => {
  const h = await identity();
  const { tokens } = await loggedInUser(h.client());
  const [a, b] = await Promise.all([
    h.client().refreshTokens({ refreshToken: tokens.refreshToken }),
    h.client().refreshTokens({ refreshToken: tokens.refreshToken }),
  ]);
  assert.equal(a.tokens!.refreshToken, b.tokens!.refreshToken);
});

test("the grace answer is refused once the successor itself was rotated", async () => {
  const h = await identity();
  const { tokens } = await loggedInUser(h.client());
  const b = (await h.client().refreshTokens({ refreshToken: tokens.refreshToken })).tokens!;
  await h.client().refreshTokens({ refreshToken: b.refreshToken });
  assert.equal((await refusal(h.client().refreshTokens({ refreshToken: tokens.refreshToken }))).reason, "REFRESH_TOKEN_REUSED");
});

test("an unknown refresh token is refused with REFRESH_TOKEN_INVALID", async () => {
  const h = await identity();
  assert.equal((await refusal(h.client().refreshTokens({ refreshToken: "bm90LWEtdG9rZW4" }))).reason, "REFRESH_TOKEN_INVALID");
});

test("a session not refreshed for the idle timeout is expired", async () => {
  const h = await identity();
  const { tokens } = await loggedInUser(h.client());
  h.clock.advance(h.deps.config.session.idleMs);
  assert.equal((await refusal(h.client().refreshTokens({ refreshToken: tokens.refreshToken }))).reason, "SESSION_EXPIRED");
});

test("a session refreshed regularly still ends at the absolute timeout", async () => {
  const h = await identity();
  const { tokens } = await loggedInUser(h.client());
  let refreshToken = tokens.refreshToken;
  const step = h.deps.config.session.idleMs / 2;
  for (let t = step; t < h.deps.config.session.absoluteMs; t += step) {
    h.clock.advance(step);
    refreshToken = (await h.client().refreshTokens({ refreshToken })).tokens!.refreshToken;
  }
  h.clock.advance(step);
  assert.equal((await refusal(h.client().refreshTokens({ refreshToken }))).reason, "SESSION_EXPIRED");
});

test("logout ends the session and answers OK for unknown tokens", async () => {
  const h = await identity();
  const { tokens } = await loggedInUser(h.client());
  await h.client().logout({ refreshToken: tokens.refreshToken });
  await h.client().logout({ refreshToken: "unknown" });
  assert.equal((await refusal(h.client().refreshTokens({ refreshToken: tokens.refreshToken }))).reason, "SESSION_REVOKED");
});

test("ListSessions shows the caller's sessions with the current one marked, and RevokeSession ends another", async () => {
  const h = await identity();
  const first = await loggedInUser(h.client());
  const second = (await h.client().login({ email: first.email, password: "correct horse battery staple", device: { deviceId: "other" } })).result;
  assert.equal(second.case, "tokens");
  const other = second.value as { sessionId: string; refreshToken: string };
  const me = h.me(first.tokens.accessToken);
  const sessions = (await me.listSessions({})).sessions;
  assert.equal(sessions.length, 2);
  assert.equal(sessions.find((s) => s.current)!.id, first.tokens.sessionId);
  await me.revokeSession({ sessionId: other.sessionId });
  assert.equal((await refusal(h.client().refreshTokens({ refreshToken: other.refreshToken }))).reason, "SESSION_REVOKED");
  assert.equal((await refusal(me.revokeSession({ sessionId: other.sessionId }))).reason, "SESSION_NOT_FOUND");
});

test("revoking a device revokes its sessions, forgets it, and emits DeviceRevoked", async () => {
  const h = await identity();
  const u = await loggedInUser(h.client());
  const me = h.me(u.tokens.accessToken);
  assert.equal((await me.listDevices({})).devices.find((d) => d.current)!.id, u.deviceId);
  assert.equal((await me.revokeDevice({ deviceId: u.deviceId })).revokedSessions, 1);
  assert.equal((await refusal(h.client().refreshTokens({ refreshToken: u.tokens.refreshToken }))).reason, "SESSION_REVOKED");
  assert.equal((await outboxEvents(h, { aggregateId: `${u.userId}/${u.deviceId}`, type: "DeviceRevoked" })).length, 1);
});

test("a self-service call without a valid access token is refused with TOKEN_INVALID", async () => {
  const h = await identity();
  const r = await refusal(h.client({ headers: { authorization: "Bearer not.a.jwt" } }).getCurrentUser({}));
  assert.equal(r.code, Code.Unauthenticated);
  assert.equal(r.reason, "TOKEN_INVALID");
});

test("IntrospectToken answers active for a live token and inactive once its session is revoked", async () => {
  const h = await identity();
  const u = await loggedInUser(h.client());
  const live = await h.client().introspectToken({ token: u.tokens.accessToken });
  assert.equal(live.active, true);
  assert.equal(live.claims!.sub, u.userId);
  await h.client().logout({ refreshToken: u.tokens.refreshToken });
  assert.equal((await h.client().introspectToken({ token: u.tokens.accessToken })).active, false);
  assert.equal((await h.client().introspectToken({ token: "garbage" })).active, false);
});
