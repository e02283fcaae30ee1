import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { HealthCheckRequestSchema, HealthCheckResponse_ServingStatus } from "../../../gen/grpc/health/v1/health_pb.js";
import { useTestRedis } from "../../testing/index.js";
import { audienceKey, receiverKeys } from "../audience.js";
import { createInternalAuthClientInterceptor } from "../client-interceptor.js";
import { createRedisNonceStore } from "../nonce-store.js";
import { REJECTION_MESSAGE, type RejectionInfo } from "../reject.js";
import { InternalAuthHeader as H } from "../headers.js";
import { createInternalAuthServerInterceptor } from "../server-interceptor.js";
import { sign } from "../signature.js";
import { startHealthServer, type HealthTestServer } from "./signed-health-server.js";

const SECRET = "s".repeat(40);
const OTHER_SECRET = "o".repeat(40);
/** mobile-bff's own key: another caller's, as far as "gateway" is concerned. */
const BFF_SECRET = "b".repeat(40);
const NOTIFICATION_SECRET = "n".repeat(40);
/** The test server serves grpc.health.v1.Health, a service outside the catalogue: its type name is its audience. */
const AUDIENCE = "grpc.health.v1.Health";
const redis = useTestRedis();
const rejections: RejectionInfo[] = [];
let server: HealthTestServer;

before(async () => {
  const { redis: client, prefix } = await redis();
  server = await startHealthServer([
    createInternalAuthServerInterceptor({
      // As npm start gives them: each caller's key derived for this server, never the caller's secret.
      callerKeys: receiverKeys({ gateway: { k1: SECRET }, "mobile-bff": { "bff-1": BFF_SECRET }, notification: { k1: NOTIFICATION_SECRET } }, AUDIENCE),
      allowedCallers: ["gateway", "mobile-bff"],
      nonceStore: createRedisNonceStore(client, { prefix }),
      maxSkewMs: 30_000,
      exempt: [], // health is exempt by default; here it stands in for a protected service
      onReject: (info) => rejections.push(info),
    }),
  ]);
});
after(async () => {
  await server.close();
});

const signer = (overrides: Partial<Parameters<typeof createInternalAuthClientInterceptor>[0]> = {}) =>
  createInternalAuthClientInterceptor({ callerId: "gateway", keyId: "k1", secret: SECRET, ...overrides });

const request = (service = "wallet.ledger.v1.LedgerService") => create(HealthCheckRequestSchema, { service });

/** Calls Check and returns the error it fails with. */
async function rejected(interceptors: Interceptor[]): Promise<ConnectError> {
  const error = await server.client(interceptors).check(request()).then(
    () => assert.fail("the call was accepted"),
    (err: unknown) => ConnectError.from(err),
  );
  return error;
}

/** The last rejection reason the server logged. */
const lastReason = () => rejections.at(-1)?.reason ?? "";

test("a signed call is accepted and the handler sees the caller and forwarded subject", async () => {
  const response = await server.client([signer()]).check(request(), { headers: { "x-internal-subject": "user-42" } });
  assert.equal(response.status, HealthCheckResponse_ServingStatus.SERVING);
  assert.deepEqual(server.seen.at(-1), { callerId: "gateway", subject: "user-42", mode: "hmac", keyId: "k1" });
});

test("a signed server-streaming call is accepted", async () => {
  const received = [];
  for await (const message of server.client([signer()]).watch(request())) received.push(message.status);
  assert.deepEqual(received, [HealthCheckResponse_ServingStatus.SERVING]);
});

test("a call signed with the wrong secret is rejected as Unauthenticated", async () => {
  const err = await rejected([signer({ secret: OTHER_SECRET })]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.equal(err.rawMessage, REJECTION_MESSAGE, "the caller learns nothing about why");
  assert.equal(lastReason(), "bad signature");
});

test("a call signed with an unknown key id is rejected as Unauthenticated", async () => {
  const err = await rejected([signer({ keyId: "k9" })]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.match(lastReason(), /key id "k9" is not a key of caller "gateway"/);
});

test("a caller signing with another caller's key is refused as Unauthenticated: a key vouches for its own caller only", async () => {
  // mobile-bff holds bff-1; with it, it may not claim to be the gateway.
  const err = await rejected([signer({ callerId: "gateway", keyId: "bff-1", secret: BFF_SECRET })]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.equal(err.rawMessage, REJECTION_MESSAGE);
  assert.equal(lastReason(), 'key id "bff-1" is not a key of caller "gateway"');
  // Nor under the gateway's key id: the secret is checked against the gateway's own key.
  assert.equal((await rejected([signer({ callerId: "gateway", keyId: "k1", secret: BFF_SECRET })])).code, Code.Unauthenticated);
  assert.equal(lastReason(), "bad signature");
  // The key is fine for its own caller.
  const response = await server.client([signer({ callerId: "mobile-bff", keyId: "bff-1", secret: BFF_SECRET })]).check(request());
  assert.equal(response.status, HealthCheckResponse_ServingStatus.SERVING);
  assert.equal(server.seen.at(-1)?.callerId, "mobile-bff");
});

test("a receiver holding a caller's key derived for itself cannot sign as that caller to another service", async () => {
  // The ledger holds mobile-bff's key for the ledger; signing with it here, as mobile-bff, fails.
  const bffKeyForLedger = audienceKey(BFF_SECRET, "ledger");
  assert.equal((await rejected([signer({ callerId: "mobile-bff", keyId: "bff-1", secret: bffKeyForLedger })])).code, Code.Unauthenticated);
  assert.equal(lastReason(), "bad signature");
  // Even used as the key itself rather than as a secret to derive from.
  const asIs = signer({ callerId: "mobile-bff", keyId: "bff-1", secret: bffKeyForLedger, audienceOf: () => AUDIENCE });
  assert.equal((await rejected([withKeyAsIs(asIs, bffKeyForLedger)])).code, Code.Unauthenticated);
  assert.equal(lastReason(), "bad signature");
});

test("a caller's secret signs for the service it calls: its key for one receiver is not its key for another", () => {
  assert.notEqual(audienceKey(SECRET, "ledger"), audienceKey(SECRET, "risk"));
  assert.equal(audienceKey(SECRET, "ledger"), audienceKey(SECRET, "ledger"));
  assert.match(audienceKey(SECRET, "ledger"), /^[0-9a-f]{64}$/);
});

test("during a rotation a receiver accepts the old and the new key of a caller, and after it only the new one", async () => {
  const { redis: client, prefix } = await redis();
  const NEW_SECRET = "r".repeat(40);
  const serverWith = (keys: Record<string, string>) =>
    startHealthServer([
      createInternalAuthServerInterceptor({
        callerKeys: receiverKeys({ gateway: keys }, AUDIENCE),
        nonceStore: createRedisNonceStore(client, { prefix: `${prefix}rotation:` }),
        exempt: [],
      }),
    ]);
  const during = await serverWith({ k1: SECRET, k2: NEW_SECRET });
  const afterwards = await serverWith({ k2: NEW_SECRET });
  try {
    for (const key of [signer(), signer({ keyId: "k2", secret: NEW_SECRET })]) {
      assert.equal((await during.client([key]).check(request())).status, HealthCheckResponse_ServingStatus.SERVING);
    }
    assert.equal((await afterwards.client([signer({ keyId: "k2", secret: NEW_SECRET })]).check(request())).status, HealthCheckResponse_ServingStatus.SERVING);
    const old = await afterwards.client([signer()]).check(request()).then(
      () => assert.fail("the retired key was accepted"),
      (err: unknown) => ConnectError.from(err),
    );
    assert.equal(old.code, Code.Unauthenticated);
  } finally {
    await during.close();
    await afterwards.close();
  }
});

test("a correctly signed call from a caller without keys (intruder-not-a-service) is refused as Unauthenticated", async () => {
  const err = await rejected([signer({ callerId: "intruder-not-a-service" })]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.equal(lastReason(), 'caller "intruder-not-a-service" has no keys here');
});

test("a body changed after signing is rejected as Unauthenticated", async () => {
  // Runs inside the signer (later in the array), so it changes the message after the signature was made.
  const tamper: Interceptor = (next) => async (req) => next(req.stream ? req : { ...req, message: request("wallet.ledger.v1.Other") });
  const err = await rejected([signer(), tamper]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.equal(lastReason(), "body does not match its digest");
});

test("a server-streaming body changed after signing is rejected as Unauthenticated", async () => {
  const tamper: Interceptor = (next) => async (req) => {
    if (!req.stream) return next(req);
    async function* replaced() {
      yield request("wallet.ledger.v1.Other");
    }
    return next({ ...req, message: replaced() });
  };
  const err = await (async () => {
    try {
      for await (const _ of server.client([signer(), tamper]).watch(request()));
    } catch (e) {
      return ConnectError.from(e);
    }
    return assert.fail("the call was accepted");
  })();
  assert.equal(err.code, Code.Unauthenticated);
  assert.equal(lastReason(), "body does not match its digest");
});

test("a changed forwarded subject is rejected as Unauthenticated", async () => {
  const impersonate: Interceptor = (next) => async (req) => {
    req.header.set("x-internal-subject", "admin");
    return next(req);
  };
  const err = await rejected([signer(), impersonate]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.equal(lastReason(), "bad signature");
});

test("replaying the exact headers of an accepted call is rejected as Unauthenticated", async () => {
  let captured: Headers | undefined;
  const capture: Interceptor = (next) => async (req) => {
    captured = new Headers(req.header);
    return next(req);
  };
  await server.client([signer(), capture]).check(request());
  const replay: Interceptor = (next) => async (req) => {
    for (const [name, value] of captured!) if (name.startsWith("x-internal-")) req.header.set(name, value);
    return next(req);
  };
  const err = await rejected([signer(), replay]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.equal(lastReason(), "nonce already used (replay)");
});

test("a timestamp outside the allowed skew is rejected as Unauthenticated", async () => {
  const err = await rejected([signer({ now: () => Date.now() - 60_000 })]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.match(lastReason(), /timestamp outside the allowed skew/);
});

test("a call without a signature is rejected as Unauthenticated", async () => {
  const err = await rejected([]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.match(lastReason(), /^missing x-internal-caller/);
});

test("a correctly signed call from a caller that is not allowed is rejected as Unauthenticated", async () => {
  const err = await rejected([signer({ callerId: "notification", secret: NOTIFICATION_SECRET })]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.equal(lastReason(), 'caller "notification" is not allowed');
});

/**
 * `signing`, but with the HMAC key `key` used as it is instead of derived:
 * the signature is recomputed over the headers `signing` set.
 */
function withKeyAsIs(signing: Interceptor, key: string): Interceptor {
  return (next) => signing(async (req) => {
    const h = (name: string) => req.header.get(name) ?? "";
    const fields = {
      procedure: `/${req.service.typeName}/${req.method.name}`,
      caller: h(H.caller),
      keyId: h(H.keyId),
      timestamp: h(H.timestamp),
      nonce: h(H.nonce),
      bodyDigest: h(H.bodyDigest),
      subject: h(H.subject),
    };
    req.header.set(H.signature, sign(fields, key));
    return next(req);
  });
}
