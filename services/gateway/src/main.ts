import type { IncomingMessage, ServerResponse } from "node:http";
import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import { gatewayConfigFields, upstreamBaseUrls } from "./config.js";
import { createEdgeApp } from "./edge-app.js";
import {
  createResilientUpstream,
  edgeServerOptions,
  protectionsConfigShape,
  protectionsSettings,
  type ProtectionsConfig,
} from "./protections/index.js";
import { createUpstreamCaller } from "./rest/upstream.js";

const runtime = createProcessRuntime("gateway", { extraConfig: { ...gatewayConfigFields, ...protectionsConfigShape } });
// Every protections variable has a default, so the parsed config holds them all
// (zod types defaulted custom fields as optional).
const settings = protectionsSettings(runtime.config as typeof runtime.config & ProtectionsConfig);
const upstream = createResilientUpstream(
  createUpstreamCaller({
    baseUrls: upstreamBaseUrls(runtime.config),
    internalAuth: runtime.internalAuth.clientInterceptor,
    defaultTimeoutMs: settings.upstream.timeoutMs,
  }),
  { registry: runtime.metrics.registry, defaultPolicy: settings.upstream },
);
const { bodyLimit, trustProxy } = edgeServerOptions(settings.hygiene);
const edge = await createEdgeApp({
  upstream,
  logger: runtime.logger,
  bodyLimit,
  trustProxy,
  protections: {
    settings,
    redis: runtime.redis,
    keyPrefix: runtime.config.GATEWAY_REDIS_PREFIX,
    auditLogger: runtime.logger.child({ component: "audit" }),
    registry: runtime.metrics.registry,
  },
});

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
