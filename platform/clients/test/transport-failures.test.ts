import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http2 from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { create, type DescMethodUnary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { startService } from "#platform/server/index.js";
import { createSilentLogger } from "#platform/logging/index.js";
import { createTcpProxy } from "#platform/testing/index.js";
import { SleepRequestSchema, SlowService } from "../../server/test/fixtures/slow-service.js";
import { startTestService } from "../../server/test/fixtures/test-service.js";
import { createServiceClient } from "../index.js";

/** Internal auth is not what these tests are about: calls go unsigned. */
const unsigned: Interceptor = (next) => next;

type SlowClient = { sleep(request: unknown, options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<unknown> };
const slowClient = (baseUrl: string) => createServiceClient(SlowService, { baseUrl, internalAuth: unsigned }) as unknown as SlowClient;
const sleep = (millis: number) => create(SleepRequestSchema, { millis });

/** The error a call failed with. */
async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ConnectError, `expected a ConnectError, got ${String(err)}`);
    return err;
  }
  throw new Error("expected the call to fail, it succeeded");
}

/** A bare HTTP/2 server that breaks every stream 30 ms after it starts, as `breakStream` says. */
async function startBreakingServer(breakStream: (stream: http2.ServerHttp2Stream, sockets: Set<Socket>) => void) {
  const server = http2.createServer();
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => sockets.add(socket));
  server.on("stream", (stream) => {
    stream.on("error", () => {});
    stream.resume();
    setTimeout(() => breakStream(stream, sockets), 30);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

test("a call whose connection is reset in the middle fails with Unavailable, not Aborted", async (t) => {
  const service = await startTestService();
  const proxy = await createTcpProxy({ targetHost: "127.0.0.1", targetPort: service.grpcPort });
  t.after(async () => {
    await proxy.close();
    await service.shutdown();
  });
  const call = slowClient(proxy.url(service.url)).sleep(sleep(5_000));
  await service.probe.nextCallStarted();
  proxy.cut();
  const err = await failure(call);
  assert.equal(err.code, Code.Unavailable);
  assert.ok(err.cause instanceof ConnectError, "the original error is kept as the cause");
});

test("a call to a server process killed in the middle fails with Unavailable", async (t) => {
  const fixture = fileURLToPath(new URL("../../server/test/fixtures/serve-with-signals.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", fixture], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => void (child.exitCode === null && child.kill("SIGKILL")));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextEvent = async (): Promise<Record<string, string>> => JSON.parse((await lines.next()).value as string) as Record<string, string>;
  const { url } = await nextEvent();
  const call = slowClient(url!).sleep(sleep(10_000));
  assert.equal((await nextEvent()).event, "call started");
  child.kill("SIGKILL");
  assert.equal((await failure(call)).code, Code.Unavailable);
});

test("a call whose server closes the connection in the middle fails with Unavailable, not Canceled", async (t) => {
  const server = await startBreakingServer((_stream, sockets) => sockets.forEach((s) => s.destroy()));
  t.after(server.close);
  assert.equal((await failure(slowClient(server.url).sleep(sleep(10)))).code, Code.Unavailable);
});

test("a stream the server resets with CANCEL fails with Unavailable, not Canceled", async (t) => {
  const server = await startBreakingServer((stream) => stream.close(http2.constants.NGHTTP2_CANCEL));
  t.after(server.close);
  assert.equal((await failure(slowClient(server.url).sleep(sleep(10)))).code, Code.Unavailable);
});

test("a stream the server resets with INTERNAL_ERROR or REFUSED_STREAM fails with Unavailable, not Internal", async (t) => {
  for (const rst of [http2.constants.NGHTTP2_INTERNAL_ERROR, http2.constants.NGHTTP2_REFUSED_STREAM]) {
    const server = await startBreakingServer((stream) => stream.close(rst));
    t.after(server.close);
    assert.equal((await failure(slowClient(server.url).sleep(sleep(10)))).code, Code.Unavailable, `rst code ${rst}`);
  }
});

test("a call to a port nobody listens on fails with Unavailable", async (t) => {
  const server = await startBreakingServer(() => {});
  await server.close();
  assert.equal((await failure(slowClient(server.url).sleep(sleep(10)))).code, Code.Unavailable);
});

test("a call the caller cancels stays Canceled", async (t) => {
  const service = await startTestService();
  t.after(service.shutdown);
  const abort = new AbortController();
  const call = slowClient(service.url).sleep(sleep(5_000), { signal: abort.signal });
  await service.probe.nextCallStarted();
  abort.abort();
  assert.equal((await failure(call)).code, Code.Canceled);
});

test("a call past the caller's deadline stays DeadlineExceeded", async (t) => {
  const service = await startTestService();
  t.after(service.shutdown);
  assert.equal((await failure(slowClient(service.url).sleep(sleep(5_000), { timeoutMs: 50 }))).code, Code.DeadlineExceeded);
});

test("a server's own answers keep their code and details, but a Canceled the caller did not ask for becomes Unavailable", async (t) => {
  const answers: Record<number, ConnectError> = {
    1: new ConnectError("another request holds the key", Code.Aborted, undefined, [
      { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: "IDEMPOTENCY_KEY_IN_PROGRESS", domain: "test" }) },
    ]),
    2: new ConnectError("bug", Code.Internal),
    3: new ConnectError("given up", Code.Canceled),
  };
  const service = await startService({
    name: "answers",
    host: "127.0.0.1",
    grpcPort: 0,
    adminPort: 0,
    logger: createSilentLogger(),
    routes: (router) =>
      router.rpc(SlowService.method.sleep as DescMethodUnary, async (req) => {
        throw answers[(req as unknown as { millis: number }).millis]!;
      }),
  });
  t.after(service.shutdown);
  const client = slowClient(service.url);
  const aborted = await failure(client.sleep(sleep(1)));
  assert.equal(aborted.code, Code.Aborted);
  assert.equal(aborted.findDetails(ErrorInfoSchema)[0]?.reason, "IDEMPOTENCY_KEY_IN_PROGRESS");
  assert.equal((await failure(client.sleep(sleep(2)))).code, Code.Internal);
  assert.equal((await failure(client.sleep(sleep(3)))).code, Code.Unavailable);
});
