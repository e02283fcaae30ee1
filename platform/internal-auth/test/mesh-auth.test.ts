import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { HealthCheckRequestSchema } from "../../../gen/grpc/health/v1/health_pb.js";
import { createMeshAuthServerInterceptor } from "../mesh-interceptor.js";
import { peerSpiffeId } from "../xfcc.js";
import { startHealthServer, type HealthTestServer } from "./signed-health-server.js";

const GATEWAY = "spiffe://cluster.local/ns/wallet/sa/gateway";
let server: HealthTestServer;

before(async () => {
  server = await startHealthServer([createMeshAuthServerInterceptor({ allowedCallers: ["gateway"], trustDomain: "cluster.local", exempt: [] })]);
});
after(async () => {
  await server.close();
});

const check = (headers: Record<string, string>) =>
  server.client([]).check(create(HealthCheckRequestSchema, {}), { headers });

test("mesh mode takes the caller from the sidecar's XFCC URI", async () => {
  await check({
    "x-forwarded-client-cert": `By=spiffe://cluster.local/ns/wallet/sa/ledger;Hash=abc;Subject="";URI=${GATEWAY}`,
    "x-internal-subject": "user-7",
  });
  assert.deepEqual(server.seen.at(-1), { callerId: "gateway", subject: "user-7", mode: "mesh", principal: GATEWAY });
});

test("mesh mode rejects a call without x-forwarded-client-cert as Unauthenticated", async () => {
  const err = await check({}).then(() => assert.fail("accepted"), ConnectError.from);
  assert.equal(err.code, Code.Unauthenticated);
});

test("mesh mode rejects a peer that is not an allowed caller as Unauthenticated", async () => {
  const err = await check({ "x-forwarded-client-cert": "URI=spiffe://cluster.local/ns/wallet/sa/notification" }).then(
    () => assert.fail("accepted"),
    ConnectError.from,
  );
  assert.equal(err.code, Code.Unauthenticated);
});

test("only the nearest XFCC element counts, even with quoted commas in earlier ones", () => {
  const header = `By=x;Subject="CN=evil,O=x";URI=spiffe://cluster.local/ns/wallet/sa/gateway,By=y;URI=spiffe://cluster.local/ns/wallet/sa/risk`;
  assert.equal(peerSpiffeId(header)?.serviceAccount, "risk");
});
