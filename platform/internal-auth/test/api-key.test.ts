import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { GetAccountRequestSchema } from "../../../gen/wallet/ledger/v1/ledger_service_pb.js";
import { useTestRedis } from "../../testing/index.js";
import { createApiKeyClientInterceptor } from "../api-key-interceptor.js";
import { receiverKeys } from "../audience.js";
import { internalAuthConfigSchema } from "../config.js";
import { createInternalAuth } from "../create-internal-auth.js";
import { REJECTION_MESSAGE, type RejectionInfo } from "../reject.js";
import { startLedgerTestServer, type LedgerTestServer } from "./api-key-server.js";

const SECRET = "s".repeat(40);
/** The gateway's own signing key, which the ledger lists under "gateway". */
const GATEWAY_SECRET = "g".repeat(40);
const LEGACY_KEY = "legacy-batch-key-".padEnd(48, "x");
const REPORTING_KEY = "reporting-key-".padEnd(48, "y");
const redis = useTestRedis();
const rejections: RejectionInfo[] = [];
let server: LedgerTestServer;

/** The ledger's settings: hmac, two allowed callers, keys for one allowed and one not allowed caller. */
const serverConfig = internalAuthConfigSchema.parse({
  INTERNAL_AUTH_MODE: "hmac",
  INTERNAL_AUTH_SECRET: SECRET,
  INTERNAL_AUTH_CALLER_KEYS: JSON.stringify(receiverKeys({ gateway: { primary: GATEWAY_SECRET } }, "ledger")),
  INTERNAL_AUTH_ALLOWED_CALLERS: "gateway,legacy-batch",
  INTERNAL_API_KEYS: `legacy-batch:${LEGACY_KEY},reporting:${REPORTING_KEY}`,
});

before(async () => {
  const { redis: client, prefix } = await redis();
  const auth = createInternalAuth({
    config: serverConfig,
    callerId: "ledger",
    redis: client,
    noncePrefix: prefix,
    onReject: (info) => rejections.push(info),
  });
  server = await startLedgerTestServer([auth.serverInterceptor()]);
});
after(async () => {
  await server.close();
});

/** The client interceptor a calling process builds from its own environment. */
function clientOf(callerId: string, env: Record<string, string>): Interceptor {
  return createInternalAuth({ config: internalAuthConfigSchema.parse({ INTERNAL_AUTH_SECRET: SECRET, ...env }), callerId }).clientInterceptor;
}

const request = () => create(GetAccountRequestSchema, { accountId: "acc-1" });

/** Calls GetAccount and returns the error it fails with. */
async function rejected(interceptors: Interceptor[]): Promise<ConnectError> {
  return server.client(interceptors).getAccount(request()).then(
    () => assert.fail("the call was accepted"),
    (err: unknown) => ConnectError.from(err),
  );
}

const lastReason = () => rejections.at(-1)?.reason ?? "";

test("a call with a listed API key is accepted and the handler sees its caller in api-key mode", async () => {
  await server.client([clientOf("legacy-batch", { INTERNAL_API_KEY: LEGACY_KEY })]).getAccount(request(), {
    headers: { "x-internal-subject": "user-7" },
  });
  const seen = server.seen.at(-1);
  assert.equal(seen?.callerId, "legacy-batch");
  assert.equal(seen?.mode, "api-key");
  assert.equal(seen?.subject, "user-7");
  assert.match(seen?.keyId ?? "", /^sha256:[0-9a-f]{12}$/, "a fingerprint, never the key");
});

test("a call with an unknown API key is rejected as Unauthenticated with the generic message", async () => {
  const err = await rejected([createApiKeyClientInterceptor({ apiKey: "z".repeat(48) })]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.equal(err.rawMessage, REJECTION_MESSAGE);
  assert.equal(lastReason(), "unknown API key");
});

test("a valid API key of a caller outside INTERNAL_AUTH_ALLOWED_CALLERS is rejected as Unauthenticated", async () => {
  const err = await rejected([createApiKeyClientInterceptor({ apiKey: REPORTING_KEY })]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.equal(lastReason(), 'caller "reporting" is not allowed');
});

test("a valid API key sent under another caller's name is rejected as Unauthenticated", async () => {
  const err = await rejected([createApiKeyClientInterceptor({ apiKey: LEGACY_KEY, callerId: "gateway" })]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.match(lastReason(), /x-internal-caller "gateway" does not match/);
});

test("an empty API key is rejected as Unauthenticated rather than falling through to hmac", async () => {
  const err = await rejected([createApiKeyClientInterceptor({ apiKey: "" })]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.equal(lastReason(), "unknown API key");
});

test("a call without an API key falls through to hmac and a signed call is accepted", async () => {
  await server.client([clientOf("gateway", { INTERNAL_AUTH_SECRET: GATEWAY_SECRET })]).getAccount(request());
  const seen = server.seen.at(-1);
  assert.equal(seen?.callerId, "gateway");
  assert.equal(seen?.mode, "hmac");
});

test("a call without an API key falls through to hmac and an unsigned call is rejected", async () => {
  const err = await rejected([]);
  assert.equal(err.code, Code.Unauthenticated);
  assert.match(lastReason(), /^missing x-internal-caller/);
});
