import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import type { NodeHandlerFn } from "#platform/server/index.js";
import { SECURITY_HEADERS } from "./protections/request-hygiene.js";

/**
 * The gateway port's handler for HTTP requests that are no RPC: HTTP/1.1
 * goes to the REST edge (fastify); REST over cleartext HTTP/2 is not offered
 * (mobile traffic reaches us through a TLS-terminating proxy) and answers
 * 505 problem+json. The platform server has set `x-request-id` already.
 */
export function createEdgeFallback(edge: FastifyInstance): NodeHandlerFn {
  return (req, res) => {
    if (req.httpVersionMajor === 1) return edge.routing(req as IncomingMessage, res as ServerResponse);
    const requestId = res.getHeader("x-request-id");
    const body = { type: "about:blank", title: "HTTP Version Not Supported", status: 505, detail: "REST is served over HTTP/1.1", reason: "HTTP_VERSION_NOT_SUPPORTED", requestId };
    res.writeHead(505, { ...SECURITY_HEADERS, "cache-control": "no-store", "content-type": "application/problem+json" });
    res.end(JSON.stringify(body));
  };
}
