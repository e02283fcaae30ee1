import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "@connectrpc/connect";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { device, emailedToken, loggedInUser, outboxEvents, PASSWORD, refusal, signUpUser, uniqueEmail, useIdentity } from "./support/identity-harness.js";

const identity = useIdentity();

test("sign-up stores the user and emits UserRegistered and EmailVerificationRequested with the token", async () => {
  const h = await identity();
  const { userId, email } = await signUpUser(h.client());
  const types = (await outboxEvents(h, { aggregateId: userId })).map((e) => e.eventType);
  assert.deepEqual(types, ["wallet.events.v1.UserRegistered", "wallet.events.v1.EmailVerificationRequested"]);
  const token = await emailedToken(h, userId, "EmailVerificationRequested");
  assert.ok(token.length >= 22);
  const row = await h.db.selectFrom("one_time_tokens").selectAll().where("user_id", "=", userId).executeTakeFirstOrThrow();
  assert.notEqual(row.token_hash.toString("base64url"), token, "only the hash is stored");
  assert.equal(row.email, email);
});

test("the password is stored as an argon2id hash", async () => {
  const h = await identity();
  const { userId } = await signUpUser(h.client());
  const row = await h.db.selectFrom("users").select("password_hash").where("id", "=", userId).executeTakeFirstOrThrow();
  assert.match(row.password_hash!, /^\$argon2id\$/);
});

test("a second sign-up with the same email in another case is refused with EMAIL_ALREADY_REGISTERED", async () => {
  const h = await identity();
  const email = uniqueEmail();
  await signUpUser(h.client(), email);
  const r = await refusal(h.client().signUp({ email: email.toUpperCase(), password: PASSWORD }));
  assert.equal(r.code, Code.AlreadyExists);
  assert.equal(r.reason, "EMAIL_ALREADY_REGISTERED");
  assert.equal(r.domain, "identity.wallet");
});

test("short, overlong, common and email-like passwords are refused with their reasons", async () => {
  const h = await identity();
  const email = uniqueEmail("policy");
  const cases: Array<[string, string]> = [
    ["short", "PASSWORD_TOO_SHORT"],
    ["x".repeat(63) + "y".repeat(70), "PASSWORD_TOO_LONG"],
    ["Password123", "PASSWORD_COMMON"],
    [email, "PASSWORD_TOO_WEAK"],
  ];
  for (const [password, reason] of cases) {
    const r = await refusal(h.client().signUp({ email, password }));
    assert.equal(r.code, Code.InvalidArgument, password);
    assert.equal(r.reason, reason, password);
  }
});

test("a 64-character password of any characters is accepted", async () => {
  const h = await identity();
  const res = await h.client().signUp({ email: uniqueEmail(), password: "ü ".repeat(16) + "🔑x".repeat(16) });
  assert.ok(res.userId);
});

test("an invalid email or phone is refused with EMAIL_INVALID or PHONE_INVALID", async () => {
  const h = await identity();
  assert.equal((await refusal(h.client().signUp({ email: "not-an-email", password: PASSWORD }))).reason, "EMAIL_INVALID");
  assert.equal((await refusal(h.client().signUp({ email: uniqueEmail(), phone: "0151 123", password: PASSWORD }))).reason, "PHONE_INVALID");
});

test("the verification token verifies the email once and is refused the second time", async () => {
  const h = await identity();
  const { userId, email } = await signUpUser(h.client());
  const token = await emailedToken(h, userId, "EmailVerificationRequested");
  assert.equal((await h.client().verifyEmail({ token })).email, email);
  const r = await refusal(h.client().verifyEmail({ token }));
  assert.equal(r.reason, "VERIFICATION_TOKEN_INVALID");
  const user = await h.db.selectFrom("users").select("email_verified").where("id", "=", userId).executeTakeFirstOrThrow();
  assert.equal(user.email_verified, true);
});

test("resending the verification email invalidates the earlier token and answers OK for unknown emails", async () => {
  const h = await identity();
  const { userId, email } = await signUpUser(h.client());
  const first = await emailedToken(h, userId, "EmailVerificationRequested");
  await h.client().resendVerificationEmail({ email });
  await h.client().resendVerificationEmail({ email: uniqueEmail("nobody") });
  const second = await emailedToken(h, userId, "EmailVerificationRequested");
  assert.notEqual(first, second);
  assert.equal((await refusal(h.client().verifyEmail({ token: first }))).reason, "VERIFICATION_TOKEN_INVALID");
  await h.client().verifyEmail({ token: second });
});

test("login answers tokens whose access token verifies against the JWKS with the claims of claims.ts", async () => {
  const h = await identity();
  const { userId, deviceId, tokens } = await loggedInUser(h.client());
  const jwks = await h.client().getJwks({});
  const { payload, protectedHeader } = await jwtVerify(tokens.accessToken, createLocalJWKSet({ keys: jwks.keys.map((k) => ({ ...k })) }), {
    issuer: h.deps.config.issuer,
    audience: h.deps.config.audience,
    typ: "at+jwt",
    algorithms: ["ES256"],
  });
  assert.equal(protectedHeader.alg, "ES256");
  assert.equal(protectedHeader.kid, jwks.keys[0]!.kid);
  assert.equal(payload.sub, userId);
  assert.equal(payload.sid, tokens.sessionId);
  assert.equal(payload.device_id, deviceId);
  assert.deepEqual(payload.amr, ["pwd"]);
  assert.deepEqual(payload.roles, []);
  assert.equal(typeof payload.auth_time, "number");
  assert.equal(typeof payload.jti, "string");
  assert.equal(payload.exp! - payload.iat!, 300);
  assert.equal(payload.nbf, payload.iat);
  assert.equal(tokens.expiresIn, 300);
  assert.equal(tokens.tokenType, "Bearer");
  assert.ok(Buffer.from(tokens.refreshToken, "base64url").length >= 16, "refresh token carries at least 128 bits");
});

test("a wrong password and an unknown email get the same INVALID_CREDENTIALS answer", async () => {
  const h = await identity();
  const { email } = await signUpUser(h.client());
  const wrong = await refusal(h.client().login({ email, password: "wrong password here", device: device() }));
  const unknown = await refusal(h.client().login({ email: uniqueEmail("ghost"), password: "wrong password here", device: device() }));
  assert.deepEqual(wrong, unknown);
  assert.equal(wrong.code, Code.Unauthenticated);
  assert.equal(wrong.reason, "INVALID_CREDENTIALS");
});

test("a login from a device never seen emits LoginFromNewDevice and DeviceRegistered, a known device does not", async () => {
  const h = await identity();
  const { userId, email } = await signUpUser(h.client());
  const dev = device("device-new-1", "Pixel 8");
  await h.client({ headers: { "x-client-ip": "203.0.113.7" } }).login({ email, password: PASSWORD, device: dev });
  await h.client().login({ email, password: PASSWORD, device: dev });
  const newDevice = await outboxEvents(h, { aggregateId: userId, type: "LoginFromNewDevice" });
  assert.equal(newDevice.length, 1);
  assert.equal(newDevice[0]!.payload.case, "loginFromNewDevice");
  const value = newDevice[0]!.payload.value as { deviceId: string; deviceName: string; ipAddress: string };
  assert.equal(value.deviceId, "device-new-1");
  assert.equal(value.deviceName, "Pixel 8");
  assert.equal(value.ipAddress, "203.0.113.7");
  const registered = await outboxEvents(h, { aggregateId: `${userId}/device-new-1`, type: "DeviceRegistered" });
  assert.equal(registered.length, 1);
});

test("login without a device id is refused as an invalid argument", async () => {
  const h = await identity();
  const r = await refusal(h.client().login({ email: uniqueEmail(), password: PASSWORD }));
  assert.equal(r.code, Code.InvalidArgument);
});

test("the access token's kid names a key published by GetJwks", async () => {
  const h = await identity();
  const { tokens } = await loggedInUser(h.client());
  const kids = (await h.client().getJwks({})).keys.map((k) => k.kid);
  assert.ok(kids.includes(decodeProtectedHeader(tokens.accessToken).kid!));
});
