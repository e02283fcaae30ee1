import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from "fastify";
import { readinessResponse, type ReadinessCheck } from "#platform/health/index.js";
import { createFrameworkErrorsHandler, lifecycleErrorProblem, takeRouterRefusal } from "./framework-errors.js";
import {
  edgeProblemFromError,
  prepareUpstreamCall,
  registerEdgeProtections,
  sendProblem,
  type EdgeProtectionsDeps,
} from "./protections/index.js";
import { EdgeProblem } from "./protections/problem.js";
import { isPublicMethod } from "./protections/public-routes.js";
import { createOpenApiDocument } from "./rest/openapi.js";
import { exposedServices } from "./rest/exposed-services.js";
import { registerRestRoutes, type RestRoutesOptions } from "./rest/rest-routes.js";
import type { UpstreamCaller } from "./rest/upstream.js";

/** Dependencies of {@link createEdgeApp}. */
export interface EdgeAppOptions {
  /** How requests reach the services behind the edge (tests inject a fake). */
  readonly upstream: UpstreamCaller;
  /** The services whose annotated RPCs become routes; default {@link exposedServices}. */
  readonly services?: readonly DescService[];
  /** The process logger; default none. */
  readonly logger?: FastifyBaseLogger;
  /** fastify's `bodyLimit` (bytes) and `trustProxy` (see the protections' `edgeServerOptions`). */
  readonly bodyLimit?: number;
  readonly trustProxy?: boolean | string[];
  /**
   * The edge protections (authentication, rate limits, Idempotency-Key,
   * step-up, security headers, audit log). Without them, as in the REST
   * core's own tests, every route is open.
   */
  readonly protections?: EdgeProtectionsDeps;
  /** Whether an RPC needs no bearer token, for the OpenAPI document; default the protections' list. */
  readonly isPublic?: (method: DescMethod) => boolean;
  /** What `GET /readyz` on the REST port checks; default nothing (ready while not shutting down). */
  readonly health?: EdgeHealth;
}

/** The process state behind the REST port's `/healthz` and `/readyz` (load balancers probe them). */
export interface EdgeHealth {
  /** The process's readiness checks (Redis PING...), as on the admin port. */
  readonly readiness?: readonly ReadinessCheck[];
  /** True once shutdown has begun: `/readyz` then answers 503. */
  readonly isShuttingDown?: () => boolean;
}

/** Incoming request ids we keep (anything else is replaced by a fresh UUID). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The REST edge (fastify) that mobile apps and the backoffice web call. It
 * shares the gateway's port with gRPC health and reflection: every HTTP/1.1
 * request that is not an RPC lands here. Its routes come from the
 * `google.api.http` annotations of the exposed services (`rest/`), and
 * `GET /openapi.json` describes them; `GET /healthz` and `GET /readyz` answer
 * load balancers. Every error is RFC 9457 problem+json with a reason and the
 * request id, fastify's own included (a bad percent-escape, an over-long path
 * parameter, no route, a body too large or of the wrong type), and passes
 * through the hooks (security and rate-limit headers, the audit line).
 */
export async function createEdgeApp(options: EdgeAppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    // Router refusals are answered by the not-found handler, through every hook.
    frameworkErrors: createFrameworkErrorsHandler(() => app),
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // The protections' audit hook writes one line per request instead.
    logController: new LogController({ disableRequestLogging: true }),
    // HEAD is not in the contracts: a GET route does not also answer HEAD.
    exposeHeadRoutes: false,
    genReqId: (req: IncomingMessage) => {
      const incoming = req.headers["x-request-id"];
      return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
  });
  app.addHook("onRequest", async (request, reply) => {
    void reply.header("x-request-id", request.id);
  });

  const protections = options.protections;
  if (protections) registerEdgeProtections(app, protections);
  const refusalOf = (err: unknown): EdgeProblem | undefined => (protections ? edgeProblemFromError(err, protections.settings) : undefined);

  const routeOptions: RestRoutesOptions = {
    services: options.services ?? exposedServices,
    upstream: options.upstream,
    ...(protections
      ? {
          beforeUpstream: (request, method, message) => prepareUpstreamCall(request, method, message, protections.settings),
          refusalOf,
          sendRefusal: (reply, refusal) => sendProblem(reply, refusal as EdgeProblem),
        }
      : {}),
  };
  const bindings = registerRestRoutes(app, routeOptions);

  const openApi = JSON.stringify(createOpenApiDocument({ bindings, isPublic: options.isPublic ?? isPublicMethod }));
  app.get("/openapi.json", (_request, reply) => reply.type("application/json").send(openApi));

  const health = options.health ?? {};
  app.get("/healthz", (_request, reply) => reply.type("application/json").send(JSON.stringify({ status: "ok" })));
  app.get("/readyz", async (_request, reply) => {
    const { status, body } = await readinessResponse(health.readiness ?? [], { isShuttingDown: health.isShuttingDown ?? (() => false) });
    return reply.code(status).type("application/json").send(JSON.stringify(body));
  });

  app.setNotFoundHandler((request, reply) => {
    const refused = takeRouterRefusal(request);
    if (refused) return sendProblem(reply, refused);
    return sendProblem(reply, new EdgeProblem(404, "Not Found", "ROUTE_NOT_FOUND", `No route for ${request.method} ${request.url.split("?")[0]}`));
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const problem = refusalOf(err) ?? lifecycleErrorProblem(err);
    if (problem.status >= 500) request.log.error({ err }, "edge request failed");
    return sendProblem(reply, problem);
  });
  await app.ready();
  return app;
}
