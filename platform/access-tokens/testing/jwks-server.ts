import http from "node:http";
import type { AddressInfo } from "node:net";
import type { JSONWebKeySet } from "jose";

/** A local stand-in for identity's `/.well-known/jwks.json`. */
export interface TestJwksServer {
  /** `http://127.0.0.1:<port>/.well-known/jwks.json` */
  readonly url: string;
  /** How many times the key set was fetched. */
  readonly fetches: number;
  close(): Promise<void>;
}

/** Serves `jwks()` (read on every request, so a test can rotate keys) on a free loopback port. */
export async function startTestJwksServer(jwks: () => JSONWebKeySet): Promise<TestJwksServer> {
  let fetches = 0;
  const server = http.createServer((request, response) => {
    if (request.method !== "GET" || request.url !== "/.well-known/jwks.json") {
      response.writeHead(404).end();
      return;
    }
    fetches++;
    response.writeHead(200, { "content-type": "application/jwk-set+json" }).end(JSON.stringify(jwks()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
