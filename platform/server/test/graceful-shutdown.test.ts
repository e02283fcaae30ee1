import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { fromBinary, create, toBinary } from "@bufbuild/protobuf";
import { grpcHealthCheck, grpcHealthWatch, grpcUnaryCall } from "./fixtures/grpc-js-clients.js";
import { SleepRequestSchema, SleepResponseSchema } from "./fixtures/slow-service.js";
import { startTestService } from "./fixtures/test-service.js";

/** Starts a Sleep call over grpc-js; resolves with the slept milliseconds. */
function sleepOverGrpc(url: string, millis: number): Promise<number> {
  const request = toBinary(SleepRequestSchema, create(SleepRequestSchema, { millis }));
  const { done } = grpcUnaryCall(url, "/test.slow.v1.SlowService/Sleep", request);
  return done.then((bytes) => (fromBinary(SleepResponseSchema, bytes) as unknown as { sleptMillis: number }).sleptMillis);
}

/** Resolves true when a TCP connection to the port is accepted. */
function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("graceful shutdown", () => {
  it("finishes an in-flight call, then refuses new connections", async () => {
    const service = await startTestService();
    const started = service.probe.nextCallStarted();
    const call = sleepOverGrpc(service.url, 300);
    await started;

    const shutdown = service.shutdown();
    assert.equal(await call, 300, "the in-flight call completes OK");
    await shutdown;
    assert.equal(await canConnect(service.grpcPort), false, "new connections are refused");
    assert.equal(await canConnect(service.adminPort), false, "the admin port is closed last");
  });

  it("finishes an in-flight Connect call over HTTP/1.1", async () => {
    const service = await startTestService();
    const started = service.probe.nextCallStarted();
    const call = fetch(`${service.url}/test.slow.v1.SlowService/Sleep`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ millis: 200 }),
    });
    await started;
    const shutdown = service.shutdown();
    const res = await call;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { sleptMillis: 200 });
    await shutdown;
    assert.equal(await canConnect(service.grpcPort), false);
  });

  it("turns /readyz to 503 while in-flight calls drain", async () => {
    const service = await startTestService();
    const started = service.probe.nextCallStarted();
    const call = sleepOverGrpc(service.url, 300);
    await started;

    const shutdown = service.shutdown();
    const readyz = await fetch(`${service.adminUrl}/readyz`);
    assert.equal(readyz.status, 503);
    assert.equal(((await readyz.json()) as { status: string }).status, "shutting down");
    assert.equal((await fetch(`${service.adminUrl}/healthz`)).status, 200, "still alive while draining");
    await call;
    await shutdown;
  });

  it("tells health watchers NOT_SERVING when shutdown begins", async () => {
    const service = await startTestService();
    const watch = grpcHealthWatch(service.url);
    await watch.first;
    assert.equal(await grpcHealthCheck(service.url), "SERVING");

    await service.shutdown();
    const status = await watch.ended;
    assert.deepEqual(watch.statuses, ["SERVING", "NOT_SERVING"]);
    assert.equal(status.code, 0);
  });

  it("runs onShutdown after in-flight calls have finished", async () => {
    const events: string[] = [];
    const service = await startTestService({
      onShutdown: async () => {
        events.push("onShutdown");
      },
    });
    const started = service.probe.nextCallStarted();
    const call = sleepOverGrpc(service.url, 200).then(() => events.push("call finished"));
    await started;
    await service.shutdown();
    await call;
    assert.deepEqual(events, ["call finished", "onShutdown"]);
  });

  it("aborts calls that outlast the shutdown timeout", async () => {
    const service = await startTestService({ shutdownTimeoutMs: 100 });
    const started = service.probe.nextCallStarted();
    const call = sleepOverGrpc(service.url, 5_000);
    await started;
    const rejected = assert.rejects(call, { code: 14 }); // UNAVAILABLE: the server is shutting down
    await service.shutdown();
    await rejected;
  });
});
