import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import {
  Health,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from "../../../gen/grpc/health/v1/health_pb.js";
import { internalCallerKey, type InternalCaller } from "../context-values.js";

/** A real HTTP/2 server on port 0 serving grpc.health.v1.Health behind `interceptors`. */
export interface HealthTestServer {
  readonly baseUrl: string;
  /** The caller each handled call saw, in order. */
  readonly seen: Array<InternalCaller | undefined>;
  /** A gRPC client with its own transport and the given interceptors. */
  client(interceptors: Interceptor[]): Client<typeof Health>;
  close(): Promise<void>;
}

/** Starts the server the internal-auth tests call. */
export async function startHealthServer(interceptors: Interceptor[]): Promise<HealthTestServer> {
  const seen: Array<InternalCaller | undefined> = [];
  const serving = () => create(HealthCheckResponseSchema, { status: HealthCheckResponse_ServingStatus.SERVING });
  const handler = connectNodeAdapter({
    interceptors,
    routes: (router) =>
      router.service(Health, {
        check: (_req, ctx) => {
          seen.push(ctx.values.get(internalCallerKey));
          return serving();
        },
        async *watch(_req, ctx) {
          seen.push(ctx.values.get(internalCallerKey));
          yield serving();
        },
      }),
  });
  const server = http2.createServer(handler);
  // Client transports keep HTTP/2 sessions open; close() ends them so the server can stop.
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    seen,
    client: (clientInterceptors) => createClient(Health, createGrpcTransport({ baseUrl, interceptors: clientInterceptors })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      }),
  };
}
