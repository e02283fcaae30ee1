import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../../gen/grpc/health/v1/health_pb.js";
import { createHealthService, createHealthState } from "../../health/index.js";
import { createMetrics } from "../index.js";

/** A Health client whose server records into fresh metrics. */
function instrumentedHealth() {
  const metrics = createMetrics({ service: "ledger", defaultMetrics: false });
  const state = createHealthState();
  state.setServing();
  const transport = createRouterTransport((router) => router.service(Health, createHealthService(state)), {
    router: { interceptors: [metrics.rpcInterceptor] },
  });
  return { metrics, state, client: createClient(Health, transport) };
}

async function counterValue(metrics: ReturnType<typeof createMetrics>, method: string, code: string) {
  const { values } = await metrics.rpcRequests.get();
  return values.find((v) => v.labels.method === method && v.labels.code === code)?.value ?? 0;
}

describe("createMetrics", () => {
  it("counts a successful unary call with code ok", async () => {
    const { metrics, client } = instrumentedHealth();
    await client.check({});
    assert.equal(await counterValue(metrics, "grpc.health.v1.Health/Check", "ok"), 1);
  });

  it("counts a failed call under its Connect code name", async () => {
    const { metrics, client } = instrumentedHealth();
    await assert.rejects(client.check({ service: "nope" }), ConnectError);
    assert.equal(await counterValue(metrics, "grpc.health.v1.Health/Check", "not_found"), 1);
  });

  it("records a streaming call once it has finished", async () => {
    const { metrics, state, client } = instrumentedHealth();
    const seen: Status[] = [];
    for await (const res of client.watch({})) {
      seen.push(res.status);
      state.shutdown();
    }
    assert.deepEqual(seen, [Status.SERVING, Status.NOT_SERVING]);
    assert.equal(await counterValue(metrics, "grpc.health.v1.Health/Watch", "ok"), 1);
  });

  it("records a streaming call the client abandons as canceled", async () => {
    const { metrics, client } = instrumentedHealth();
    const controller = new AbortController();
    const stream = client.watch({}, { signal: controller.signal });
    await assert.rejects(
      (async () => {
        for await (const _ of stream) controller.abort();
      })(),
      (err) => ConnectError.from(err).code === Code.Canceled,
    );
    // The server side notices the cancellation asynchronously.
    for (let i = 0; i < 50 && (await counterValue(metrics, "grpc.health.v1.Health/Watch", "canceled")) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(await counterValue(metrics, "grpc.health.v1.Health/Watch", "canceled"), 1);
  });

  it("observes durations and labels every metric with the service", async () => {
    const { metrics, client } = instrumentedHealth();
    await client.check({});
    const text = await metrics.registry.metrics();
    const count = text.split("\n").find((line) => line.startsWith("rpc_duration_seconds_count{"));
    assert.ok(count, text);
    assert.ok(count.includes('method="grpc.health.v1.Health/Check"') && count.includes('service="ledger"'), count);
    assert.ok(count.endsWith(" 1"), count);
    const requests = text.split("\n").find((line) => line.startsWith("rpc_requests_total{"));
    assert.ok(requests?.includes('code="ok"') && requests.includes('service="ledger"'), requests);
  });

  it("collects default process metrics unless told not to", async () => {
    const text = await createMetrics({ service: "risk" }).registry.metrics();
    assert.match(text, /process_resident_memory_bytes\{service="risk"\}/);
  });
});
