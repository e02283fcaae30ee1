import assert from "node:assert/strict";
import { test } from "node:test";
import { create, type DescMethodUnary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createSilentLogger } from "../../logging/index.js";
import { startService, type ServiceOptions } from "../index.js";
import { SleepRequestSchema, SlowService } from "./fixtures/slow-service.js";

/** A service whose Sleep waits for its call to be aborted, then fails with a plain error (a driver's "query aborted"). */
async function startAbortedHandlerService(overrides: Partial<ServiceOptions> = {}) {
  let started: () => void = () => {};
  const callStarted = new Promise<void>((resolve) => (started = resolve));
  const service = await startService({
    name: "sanitizer-test",
    host: "127.0.0.1",
    grpcPort: 0,
    adminPort: 0,
    logger: createSilentLogger(),
    routes: (router) =>
      router.rpc(SlowService.method.sleep as DescMethodUnary, async (_req, ctx) => {
        started();
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
        throw new Error("canceling statement due to user request");
      }),
    ...overrides,
  });
  return { service, callStarted };
}

type SlowClient = { sleep(request: unknown, options?: { timeoutMs?: number; headers?: Record<string, string> }): Promise<unknown> };
const plainClient = (baseUrl: string) => createClient(SlowService, createGrpcTransport({ baseUrl })) as unknown as SlowClient;

/** What the server sent: a plain client, without the platform's normalisation of transport failures. */
async function serverAnswer(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ConnectError);
    return err;
  }
  throw new Error("expected the call to fail");
}

test("a handler that fails with a plain error when the server aborts it on shutdown answers Unavailable, not Canceled", async () => {
  const { service, callStarted } = await startAbortedHandlerService({ shutdownTimeoutMs: 50 });
  const client = plainClient(service.url);
  const call = serverAnswer(client.sleep(create(SleepRequestSchema, { millis: 1 })));
  await callStarted;
  await service.shutdown();
  const err = await call;
  assert.equal(err.code, Code.Unavailable);
  assert.ok(err.metadata.has("grpc-status"), "the code came from the server");
});

test("a handler that fails with a plain error past its call's deadline answers DeadlineExceeded, not Canceled", async (t) => {
  const { service } = await startAbortedHandlerService();
  t.after(service.shutdown);
  const client = plainClient(service.url);
  // The deadline is the server's alone (no client timer), so the code seen is the one the server sent.
  const err = await serverAnswer(client.sleep(create(SleepRequestSchema, { millis: 1 }), { timeoutMs: 0, headers: { "grpc-timeout": "50m" } }));
  assert.equal(err.code, Code.DeadlineExceeded);
  assert.ok(err.metadata.has("grpc-status"), "the code came from the server");
});
