import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import type { RunningService } from "#platform/server/index.js";
import { gatewayConfigFields, upstreamBaseUrls } from "./config.js";
import { createEdgeApp } from "./edge-app.js";
import { createEdgeFallback } from "./edge-fallback.js";
import {
  createEdgeRateLimits,
  createResilientUpstream,
  edgeServerOptions,
  protectionsConfigShape,
  protectionsSettings,
  type ProtectionsConfig,
} from "./protections/index.js";
import { edgeHttp1Options } from "./protections/request-hygiene.js";
import { createUpstreamCaller } from "./rest/upstream.js";

const runtime = createProcessRuntime("gateway", { extraConfig: { ...gatewayConfigFields, ...protectionsConfigShape } });
// Every protections variable has a default, so the parsed config holds them all
// (zod types defaulted custom fields as optional).
const settings = protectionsSettings(runtime.config as typeof runtime.config & ProtectionsConfig, { identityUrl: runtime.config.IDENTITY_URL });
const upstream = createResilientUpstream(
  createUpstreamCaller({
    baseUrls: upstreamBaseUrls(runtime.config),
    internalAuth: runtime.internalAuth.clientInterceptor,
    defaultTimeoutMs: settings.upstream.timeoutMs,
  }),
  { registry: runtime.metrics.registry, defaultPolicy: settings.upstream },
);
const { bodyLimit, trustProxy } = edgeServerOptions(settings.hygiene);
// One set of limits for the edge app and the HTTP parser's own answers: one per-IP budget.
const rateLimits = createEdgeRateLimits({
  redis: runtime.redis,
  keyPrefix: runtime.config.GATEWAY_REDIS_PREFIX,
  settings: settings.rateLimits,
  registry: runtime.metrics.registry,
  logger: runtime.logger,
});
let running: RunningService | undefined;
const edge = await createEdgeApp({
  upstream,
  logger: runtime.logger,
  bodyLimit,
  trustProxy,
  // /healthz and /readyz on the REST port too, for load balancers (the admin port has its own).
  health: { readiness: runtime.readiness, isShuttingDown: () => running?.health.shuttingDown ?? false },
  protections: {
    settings,
    redis: runtime.redis,
    keyPrefix: runtime.config.GATEWAY_REDIS_PREFIX,
    auditLogger: runtime.logger.child({ component: "audit" }),
    registry: runtime.metrics.registry,
    rateLimits,
  },
});

// gRPC health and reflection share the gateway's port with the REST edge: every
// HTTP/1.1 request that is not an RPC goes to fastify; the HTTP parser's own
// refusals (431, 414...) are problem+json with a request id, the security and the rate-limit headers.
running = await serveProcess(runtime, () => {}, { fallback: createEdgeFallback(edge), http1: edgeHttp1Options(settings.hygiene, rateLimits) });
