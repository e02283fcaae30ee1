import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import { GetAccountResponseSchema, LedgerService } from "../../../gen/wallet/ledger/v1/ledger_service_pb.js";
import { internalCallerKey, type InternalCaller } from "../context-values.js";

/**
 * A real HTTP/2 server on port 0 serving `LedgerService.GetAccount` (a
 * protected procedure, unlike health) behind `interceptors`; the handler
 * records the caller it sees.
 */
export interface LedgerTestServer {
  readonly baseUrl: string;
  /** The caller each handled call saw, in order. */
  readonly seen: Array<InternalCaller | undefined>;
  /** A gRPC client with its own transport and the given interceptors. */
  client(interceptors: Interceptor[]): Client<typeof LedgerService>;
  close(): Promise<void>;
}

/** Starts the server the API-key tests call. */
export async function startLedgerTestServer(interceptors: Interceptor[]): Promise<LedgerTestServer> {
  const seen: Array<InternalCaller | undefined> = [];
  const handler = connectNodeAdapter({
    interceptors,
    routes: (router) =>
      router.service(LedgerService, {
        getAccount: (_req, ctx) => {
          seen.push(ctx.values.get(internalCallerKey));
          return create(GetAccountResponseSchema, {});
        },
      }),
  });
  const server = http2.createServer(handler);
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
    client: (clientInterceptors) => createClient(LedgerService, createGrpcTransport({ baseUrl, interceptors: clientInterceptors })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      }),
  };
}
