/**
 * CreateFirstAdmin, the backoffice's create-admin command: an active staff
 * admin with a password and an authenticator already enrolled, refused once
 * an active admin exists unless forced, whose first login answers an MFA
 * challenge and whose tokens then carry the admin role.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { decodeJwt } from "jose";
import { asVerifiedCaller } from "#platform/internal-auth/testing/index.js";
import { createLogger } from "#platform/logging/index.js";
import { startService } from "#platform/server/index.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import { Role, UserKind, UserStatus } from "#gen/wallet/identity/v1/user_pb.js";
import { totpCodeAt } from "../src/crypto/totp.js";
import { createIdentityRoutes } from "../src/routes.js";
import { device, outboxEvents, PASSWORD, refusal, signUpUser, uniqueEmail, useIdentity, type IdentityHarness } from "./support/identity-harness.js";

const identity = useIdentity();
/** Databases with no admin yet, for the tests of a fresh install. */
const freshInstall = useIdentity();
const racedInstall = useIdentity();

/** The backoffice's client. */
const backoffice = (h: IdentityHarness) => h.client({ callerId: "backoffice" });

/** An admin created with `force` (other tests of the file may have created one already). */
async function forcedAdmin(h: IdentityHarness, email = uniqueEmail("admin")) {
  const res = await backoffice(h).createFirstAdmin({ email, displayName: "First Admin", password: PASSWORD, force: true });
  return { ...res, email, secret: new URL(res.totpUri).searchParams.get("secret")! };
}

test("create first admin on a fresh install answers an active, verified staff admin with TOTP enrolled", async () => {
  const h = await freshInstall();
  const email = uniqueEmail("admin");
  const res = await backoffice(h).createFirstAdmin({ email: email.toUpperCase(), displayName: " First Admin ", password: PASSWORD });
  const user = res.user!;
  assert.equal(user.email, email);
  assert.equal(user.emailVerified, true);
  assert.equal(user.displayName, "First Admin");
  assert.equal(user.kind, UserKind.STAFF);
  assert.equal(user.status, UserStatus.ACTIVE);
  assert.deepEqual(user.roles, [Role.ADMIN]);
  assert.equal(user.mfa!.totpEnrolled, true);
  assert.equal(user.mfa!.recoveryCodesRemaining, 10);
});

test("concurrent create first admin calls on a fresh install create exactly one admin", async () => {
  const h = await racedInstall();
  const calls = Array.from({ length: 5 }, (_, i) =>
    backoffice(h).createFirstAdmin({ email: uniqueEmail(`racer${i}`), displayName: `Racer ${i}`, password: PASSWORD }),
  );
  const results = await Promise.allSettled(calls);
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
  for (const r of results) if (r.status === "rejected") assert.equal((await refusal(Promise.reject(r.reason))).reason, "ADMIN_EXISTS");
  assert.equal((await backoffice(h).listStaffUsers({ role: Role.ADMIN })).users.length, 1);
});

test("create first admin answers an otpauth URI under the configured issuer and ten distinct recovery codes", async () => {
  const h = await identity();
  const admin = await forcedAdmin(h);
  const uri = new URL(admin.totpUri);
  assert.equal(uri.protocol, "otpauth:");
  assert.equal(uri.host, "totp");
  assert.equal(uri.searchParams.get("issuer"), `Wallet Mesh (${new URL(h.deps.config.issuer).host})`);
  assert.match(decodeURIComponent(uri.pathname), new RegExp(admin.email.replace(/[.+]/g, "\\$&")));
  assert.match(admin.secret, /^[A-Z2-7]+=*$/);
  assert.equal(admin.recoveryCodes.length, 10);
  assert.equal(new Set(admin.recoveryCodes).size, 10);
});

test("create first admin is refused once an active admin exists unless forced", async () => {
  const h = await identity();
  await forcedAdmin(h);
  const r = await refusal(backoffice(h).createFirstAdmin({ email: uniqueEmail("admin"), displayName: "Second", password: PASSWORD }));
  assert.deepEqual([r.code, r.reason, r.domain], [Code.FailedPrecondition, "ADMIN_EXISTS", "identity.wallet"]);
  const forced = await forcedAdmin(h);
  assert.deepEqual(forced.user!.roles, [Role.ADMIN]);
});

test("create first admin is refused with EMAIL_ALREADY_REGISTERED for an email in use, even when forced", async () => {
  const h = await identity();
  const { email } = await signUpUser(h.client());
  const r = await refusal(backoffice(h).createFirstAdmin({ email, displayName: "Taken", password: PASSWORD, force: true }));
  assert.deepEqual([r.code, r.reason], [Code.AlreadyExists, "EMAIL_ALREADY_REGISTERED"]);
});

test("create first admin applies sign-up's password rules", async () => {
  const h = await identity();
  const email = uniqueEmail("admin");
  for (const [password, reason] of [["short", "PASSWORD_TOO_SHORT"], ["password", "PASSWORD_COMMON"], [email, "PASSWORD_TOO_WEAK"]] as const) {
    const r = await refusal(backoffice(h).createFirstAdmin({ email, displayName: "Weak", password, force: true }));
    assert.deepEqual([r.code, r.reason], [Code.InvalidArgument, reason]);
  }
  assert.equal((await refusal(h.client().login({ email, password: PASSWORD, device: device() }))).reason, "INVALID_CREDENTIALS", "nothing was created");
});

test("create first admin requires an email and a display name", async () => {
  const h = await identity();
  for (const [req, field] of [
    [{ email: "", displayName: "No email" }, "email"],
    [{ email: uniqueEmail("admin"), displayName: "  " }, "display_name"],
  ] as const) {
    const r = await refusal(backoffice(h).createFirstAdmin({ ...req, password: PASSWORD, force: true }));
    assert.equal(r.code, Code.InvalidArgument);
    assert.match(r.message, new RegExp(`^${field}: is required`));
  }
});

test("the first admin logs in with password and TOTP and gets a token carrying the admin role", async () => {
  const h = await identity();
  const admin = await forcedAdmin(h);
  const login = await h.client().login({ email: admin.email, password: PASSWORD, device: device() });
  assert.equal(login.result.case, "mfaChallenge", "the first login already asks for the second factor");
  const done = await h.client().completeMfaChallenge({
    challengeToken: (login.result.value as { challengeToken: string }).challengeToken,
    factor: { case: "totpCode", value: totpCodeAt(admin.secret, h.clock()) },
  });
  const claims = decodeJwt(done.tokens!.accessToken);
  assert.deepEqual(claims.roles, ["admin"]);
  assert.ok((claims.amr as string[]).includes("otp"));
});

test("a recovery code of the first admin completes the login challenge once", async () => {
  const h = await identity();
  const admin = await forcedAdmin(h);
  const login = await h.client().login({ email: admin.email, password: PASSWORD, device: device() });
  const done = await h.client().completeMfaChallenge({
    challengeToken: (login.result.value as { challengeToken: string }).challengeToken,
    factor: { case: "recoveryCode", value: admin.recoveryCodes[0]! },
  });
  assert.equal(done.recoveryCodesRemaining, 9);
  assert.deepEqual(decodeJwt(done.tokens!.accessToken).roles, ["admin"]);
});

test("create first admin emits UserRegistered for staff and MfaEnrolled, and sends no verification email", async () => {
  const h = await identity();
  const admin = await forcedAdmin(h);
  const events = await outboxEvents(h, { aggregateId: admin.user!.id });
  assert.deepEqual(events.map((e) => e.payload.case), ["userRegistered", "mfaEnrolled"]);
  assert.equal((events[0]!.payload.value as { staff: boolean }).staff, true);
});

test("create first admin keeps the TOTP secret encrypted at rest and only hashes of the recovery codes", async () => {
  const h = await identity();
  const admin = await forcedAdmin(h);
  const totp = await h.db.selectFrom("totp_credentials").selectAll().where("user_id", "=", admin.user!.id).executeTakeFirstOrThrow();
  assert.ok(!totp.secret_ciphertext.includes(Buffer.from(admin.secret, "utf8")));
  assert.notEqual(totp.confirmed_at, null);
  const codes = await h.db.selectFrom("recovery_codes").select("code_hash").where("user_id", "=", admin.user!.id).execute();
  assert.equal(codes.length, 10);
  for (const { code_hash } of codes) for (const code of admin.recoveryCodes) assert.ok(!code_hash.includes(Buffer.from(code, "utf8")));
});

test("a real identity server logging everything never writes create first admin's password, TOTP URI or recovery codes", async () => {
  const h = await identity();
  const lines: string[] = [];
  const logger = createLogger({
    service: "identity",
    level: "trace",
    destination: new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }),
  });
  const server = await startService({
    name: "identity",
    host: "127.0.0.1",
    grpcPort: 0,
    adminPort: 0,
    logger,
    routes: createIdentityRoutes({ ...h.deps, logger }),
    interceptors: [asVerifiedCaller("backoffice")],
  });
  try {
    const client = createClient(IdentityService, createGrpcTransport({ baseUrl: server.url }));
    const email = uniqueEmail("logged");
    const password = "a secret admin passphrase";
    const res = await client.createFirstAdmin({ email, displayName: "Logged Admin", password, force: true });
    await refusal(client.createFirstAdmin({ email: uniqueEmail("weak"), displayName: "Weak", password: "weak", force: true }));
    const output = lines.join("");
    assert.match(output, /CreateFirstAdmin/, "the calls were logged");
    for (const secret of [password, "weak\"", res.totpUri, new URL(res.totpUri).searchParams.get("secret")!, ...res.recoveryCodes]) {
      assert.ok(!output.includes(secret), `${secret} leaked into the log`);
    }
  } finally {
    await server.shutdown();
  }
});
