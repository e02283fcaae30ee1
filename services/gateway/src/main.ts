import type { IncomingMessage, ServerResponse } from "node:http";
import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import { createEdgeApp } from "./edge-app.js";

const runtime = createProcessRuntime("gateway");
const edge = await createEdgeApp();

// gRPC health and reflection share the gateway's port with the REST edge: every
// HTTP/1.1 request that is not an RPC goes to fastify. REST over cleartext
// HTTP/2 is not offered (mobile traffic reaches us through a TLS-terminating proxy).
await serveProcess(runtime, () => {}, {
  fallback: (req, res) => {
    if (req.httpVersionMajor === 1) return edge.routing(req as IncomingMessage, res as ServerResponse);
    res.writeHead(505, { "content-type": "application/problem+json" });
    res.end(JSON.stringify({ type: "about:blank", title: "HTTP Version Not Supported", status: 505, detail: "REST is served over HTTP/1.1" }));
  },
});
