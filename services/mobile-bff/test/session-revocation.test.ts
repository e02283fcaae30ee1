/**
 * The BFF's own revocation check, for calls that do not come through the
 * edge: a forwarded access token whose session identity ended is refused on
 * every RPC; with the revoked-session list unavailable, every RPC whose
 * HTTP binding is not a GET fails closed (money-moving or not) and reads
 * fail open.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code, ConnectError, createClient, createRouterTransport, type Interceptor } from "@connectrpc/connect";
import { Redis } from "ioredis";
import { createRevokedSessionChecker } from "#platform/access-tokens/index.js";
import { InternalAuthHeader } from "#platform/internal-auth/index.js";
import { asVerifiedCaller } from "#platform/internal-auth/testing/index.js";
import { RetryInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { MobileBffService } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { device, PASSWORD } from "../../identity/test/support/identity-harness.js";
import { createMobileBffRoutes } from "../src/routes.js";
import { eur, key, refusal, useBffMesh, type BffMesh } from "./support/bff-harness.js";

const mesh = useBffMesh();

/** A funded customer with a second session of their own (its refresh token too). */
async function customerWithSession(m: BffMesh, amount = 5_000n) {
  const user = await m.customer();
  const accountId = (await user.bff.listAccounts({})).accounts[0]!.id;
  if (amount > 0n) await m.topUp(accountId, amount);
  const login = await m.identity.client().login({ email: user.email, password: PASSWORD, device: device() });
  if (login.result.case !== "tokens") throw new Error("expected tokens");
  return { user, accountId, session: login.result.value };
}

test("the BFF called directly with a logged-out session's token refuses a transfer and a balance read with Unauthenticated SESSION_REVOKED", async () => {
  const m = await mesh();
  const [a, b] = await Promise.all([customerWithSession(m), customerWithSession(m, 0n)]);
  await m.identity.client().logout({ refreshToken: a.session.refreshToken });
  const direct = m.bff({ subject: a.user.userId, accessToken: a.session.accessToken });

  const moved = await refusal(direct.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(100), idempotencyKey: key() }));
  assert.equal(moved.code, Code.Unauthenticated);
  assert.equal(moved.reason, "SESSION_REVOKED");
  const read = await refusal(direct.getBalance({ accountId: a.accountId }));
  assert.equal(read.code, Code.Unauthenticated);
  assert.equal(read.reason, "SESSION_REVOKED");
  // The user's other session still works, and nothing moved.
  assert.equal((await a.user.bff.getBalance({ accountId: a.accountId })).balance?.available?.amountMinor, 5_000n);
});

test("a device revoked through the BFF ends its sessions for the BFF too", async () => {
  const m = await mesh();
  const a = await customerWithSession(m, 0n);
  const devices = (await a.user.bff.listDevices({})).devices;
  const other = devices.find((d) => !d.current && d.activeSessions > 0);
  assert.ok(other, "the second session's device");
  await a.user.bff.revokeDevice({ deviceId: other.id });
  const refused = await refusal(m.bff({ subject: a.user.userId, accessToken: a.session.accessToken }).listAccounts({}));
  assert.equal(refused.reason, "SESSION_REVOKED");
});

/** The BFF in memory with a revoked-session list whose Redis is a closed port, called with `a`'s second session. */
function bffWithoutRedis(m: BffMesh, a: Awaited<ReturnType<typeof customerWithSession>>, t: { after(fn: () => void): void }) {
  const down = new Redis("redis://127.0.0.1:1", { lazyConnect: false, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  down.on("error", () => {});
  t.after(() => down.disconnect());
  const deps = { ...m.bffDeps, revokedSessions: createRevokedSessionChecker({ redis: down, keyPrefix: "down:" }) };
  const forwarded: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${a.session.accessToken}`);
    req.header.set(InternalAuthHeader.subject, a.user.userId);
    return next(req);
  };
  const transport = createRouterTransport(createMobileBffRoutes(deps), {
    router: { interceptors: [asVerifiedCaller({ callerId: "gateway", subject: a.user.userId, mode: "off" })] },
    transport: { interceptors: [forwarded] },
  });
  return createClient(MobileBffService, transport);
}

test("with the revoked-session list unavailable, the BFF refuses a transfer with Unavailable REVOCATION_UNAVAILABLE and a retry delay, and still answers a balance read", async (t) => {
  const m = await mesh();
  const [a, b] = await Promise.all([customerWithSession(m), customerWithSession(m, 0n)]);
  const bff = bffWithoutRedis(m, a, t);

  const call = bff.transfer({ recipient: { case: "recipientAccountId", value: b.accountId }, amount: eur(100), idempotencyKey: key() });
  const moved = await refusal(call);
  assert.equal(moved.code, Code.Unavailable);
  assert.equal(moved.reason, "REVOCATION_UNAVAILABLE");
  const retry = ConnectError.from(await call.catch((err: unknown) => err)).findDetails(RetryInfoSchema)[0];
  assert.equal(retry?.retryDelay?.seconds, 2n);
  assert.equal((await bff.getBalance({ accountId: a.accountId })).balance?.available?.amountMinor, 5_000n);
});

test("with the revoked-session list unavailable, the BFF refuses RevokeDevice with Unavailable REVOCATION_UNAVAILABLE and a retry delay, and still lists devices", async (t) => {
  const m = await mesh();
  const a = await customerWithSession(m, 0n);
  const bff = bffWithoutRedis(m, a, t);
  const other = (await bff.listDevices({})).devices.find((d) => !d.current && d.activeSessions > 0);
  assert.ok(other, "the user's first device");

  const call = bff.revokeDevice({ deviceId: other.id });
  const refused = await refusal(call);
  assert.equal(refused.code, Code.Unavailable);
  assert.equal(refused.reason, "REVOCATION_UNAVAILABLE");
  const retry = ConnectError.from(await call.catch((err: unknown) => err)).findDetails(RetryInfoSchema)[0];
  assert.equal(retry?.retryDelay?.seconds, 2n);
  assert.equal((await a.user.bff.listAccounts({})).accounts.length > 0, true, "the device's session still works");
});
