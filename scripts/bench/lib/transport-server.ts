/**
 * One bare gRPC server for `npm run bench:transport`, in its own process:
 * grpc.health.v1.Health/Check answering SERVING and nothing else, served by
 * the stack named on the command line:
 *
 *   raw      a node:http2 handler writing a canned gRPC response (the floor)
 *   grpc-js  @grpc/grpc-js with a hand-written method definition
 *   connect  @connectrpc/connect-node's connectNodeAdapter, no interceptors
 *
 * Prints `{"port":N}` on stdout once listening; on SIGTERM prints
 * `{"gc":{count,totalMs,maxMs}}` (every GC pause while it ran) and exits.
 */
import http2 from "node:http2";
import { PerformanceObserver } from "node:perf_hooks";
import * as grpc from "@grpc/grpc-js";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "../../../gen/grpc/health/v1/health_pb.js";
import { transportStacks, type TransportStack } from "./transport-stacks.js";


/** HealthCheckResponse{status: SERVING} as protobuf bytes. */
const SERVING = Buffer.from([0x08, 0x01]);

/** One length-prefixed gRPC message frame. */
function grpcFrame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

async function listenRaw(): Promise<number> {
  const response = grpcFrame(SERVING);
  const server = http2.createServer();
  server.on("stream", (stream) => {
    stream.resume();
    stream.on("end", () => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(response);
    });
  });
  return listen(server);
}

async function listenGrpcJs(): Promise<number> {
  const server = new grpc.Server();
  const identity = (bytes: Buffer) => bytes;
  const definition = {
    check: { path: "/grpc.health.v1.Health/Check", requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
  };
  server.addService(definition, { check: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, SERVING) });
  return new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
}

async function listenConnect(): Promise<number> {
  const handler = connectNodeAdapter({
    routes: (router) => void router.service(Health, { check: () => ({ status: HealthCheckResponse_ServingStatus.SERVING }) }),
  });
  return listen(http2.createServer(handler));
}

function listen(server: http2.Http2Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
}

const stack = process.argv[2] as TransportStack;
if (!transportStacks.includes(stack)) {
  console.error(`usage: transport-server.ts <${transportStacks.join("|")}>`);
  process.exit(2);
}
const pauses: number[] = [];
new PerformanceObserver((list) => void pauses.push(...list.getEntries().map((entry) => entry.duration))).observe({ entryTypes: ["gc"] });
const port = await (stack === "raw" ? listenRaw() : stack === "grpc-js" ? listenGrpcJs() : listenConnect());
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on("SIGTERM", () => {
  const totalMs = pauses.reduce((sum, pause) => sum + pause, 0);
  process.stdout.write(`${JSON.stringify({ gc: { count: pauses.length, totalMs, maxMs: Math.max(0, ...pauses) } })}\n`, () => process.exit(0));
});
