import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Writable } from "node:stream";
import { createLogger } from "../../logging/index.js";
import type { RunningService } from "../index.js";
import { grpcHealthCheck } from "./fixtures/grpc-js-clients.js";
import { startTestService } from "./fixtures/test-service.js";

describe("startService", () => {
  let service: RunningService;
  const logLines: Array<Record<string, unknown>> = [];

  before(async () => {
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    service = await startTestService({ logger: createLogger({ service: "test-service", destination }) });
  });
  after(() => service.shutdown());

  it("answers the gRPC health check as SERVING over grpc-js", async () => {
    assert.equal(await grpcHealthCheck(service.url), "SERVING");
    assert.equal(await grpcHealthCheck(service.url, "test.slow.v1.SlowService"), "SERVING");
  });

  it("answers an unknown health service with NOT_FOUND", async () => {
    await assert.rejects(grpcHealthCheck(service.url, "no.such.Service"), { code: 5 });
  });

  it("serves Connect JSON over HTTP/1.1 on the gRPC port", async () => {
    const res = await fetch(`${service.url}/grpc.health.v1.Health/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "SERVING" });
  });

  it("serves gRPC-Web over HTTP/1.1 on the gRPC port", async () => {
    const res = await fetch(`${service.url}/grpc.health.v1.Health/Check`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto" },
      body: new Uint8Array([0, 0, 0, 0, 0]), // one uncompressed frame with an empty request
    });
    assert.equal(res.status, 200);
    const body = new Uint8Array(await res.arrayBuffer());
    // Data frame: flag 0, length 2, HealthCheckResponse{status: SERVING} = 08 01.
    assert.deepEqual([...body.subarray(0, 7)], [0, 0, 0, 0, 2, 0x08, 0x01]);
    assert.match(new TextDecoder().decode(body.subarray(7)), /grpc-status: ?0/);
  });

  it("echoes the caller's request id and logs it with the RPC", async () => {
    const res = await fetch(`${service.url}/test.slow.v1.SlowService/Sleep`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "req-echo-1" },
      body: JSON.stringify({ millis: 1 }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-request-id"), "req-echo-1");
    const line = logLines.find((l) => l.requestId === "req-echo-1");
    assert.ok(line, "no log line for the request");
    assert.equal(line.method, "test.slow.v1.SlowService/Sleep");
    assert.equal(line.status, "ok");
    assert.equal(typeof line.durationMs, "number");
    assert.equal(line.millis, undefined, "request bodies are not logged");
  });

  it("creates a request id when the caller sends none", async () => {
    const res = await fetch(`${service.url}/grpc.health.v1.Health/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  });

  it("answers an unexpected handler error as internal without its message", async () => {
    const res = await fetch(`${service.url}/test.slow.v1.SlowService/Fail`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, "internal");
    assert.doesNotMatch(JSON.stringify(body), /hunter2/);
  });

  it("counts RPCs on /metrics by service, method and code", async () => {
    await grpcHealthCheck(service.url);
    await fetch(`${service.url}/test.slow.v1.SlowService/Fail`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const text = await (await fetch(`${service.adminUrl}/metrics`)).text();
    const counter = (method: string, code: string) =>
      new RegExp(`rpc_requests_total\\{(?=[^}]*method="${method.replace(/\./g, "\\.")}")(?=[^}]*code="${code}")(?=[^}]*service="test-service")[^}]*\\} [1-9]`);
    assert.match(text, counter("grpc.health.v1.Health/Check", "ok"));
    assert.match(text, counter("test.slow.v1.SlowService/Fail", "internal"));
    assert.match(text, /rpc_duration_seconds_bucket\{[^}]*method="grpc\.health\.v1\.Health\/Check"/);
    assert.match(text, /process_cpu_user_seconds_total/);
  });

  it("answers /healthz and /readyz on the admin port", async () => {
    assert.equal((await fetch(`${service.adminUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${service.adminUrl}/readyz`)).status, 200);
  });
});
