import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../../gen/grpc/health/v1/health_pb.js";
import { createHealthService, createHealthState } from "../index.js";

function healthClient() {
  const state = createHealthState(["", "wallet.ledger.v1.LedgerService"]);
  const transport = createRouterTransport((router) => router.service(Health, createHealthService(state)));
  return { state, client: createClient(Health, transport) };
}

describe("grpc.health.v1.Health", () => {
  it("answers Check with the service's status", async () => {
    const { state, client } = healthClient();
    state.setServing("");
    assert.equal((await client.check({})).status, Status.SERVING);
    assert.equal((await client.check({ service: "wallet.ledger.v1.LedgerService" })).status, Status.NOT_SERVING);
  });

  it("answers Check for an unknown service with NotFound", async () => {
    const { client } = healthClient();
    await assert.rejects(client.check({ service: "nope" }), (err) => {
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.NotFound);
      return true;
    });
  });

  it("streams status changes on Watch", async () => {
    const { state, client } = healthClient();
    const seen: Status[] = [];
    for await (const res of client.watch({})) {
      seen.push(res.status);
      if (seen.length === 1) state.setServing("");
      if (seen.length === 2) state.shutdown();
    }
    assert.deepEqual(seen, [Status.NOT_SERVING, Status.SERVING, Status.NOT_SERVING]);
  });

  it("lists every service on List", async () => {
    const { state, client } = healthClient();
    state.setServing("");
    const res = await client.list({});
    assert.deepEqual(
      Object.fromEntries(Object.entries(res.statuses).map(([k, v]) => [k, v.status])),
      { "": Status.SERVING, "wallet.ledger.v1.LedgerService": Status.NOT_SERVING },
    );
  });
});
