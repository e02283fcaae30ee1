import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from "fastify";
import {
  edgeProblemFromError,
  prepareUpstreamCall,
  registerEdgeProtections,
  sendProblem,
  type EdgeProblem,
  type EdgeProtectionsDeps,
} from "./protections/index.js";
import { isPublicMethod } from "./protections/public-routes.js";
import { createOpenApiDocument } from "./rest/openapi.js";
import { exposedServices } from "./rest/exposed-services.js";
import { PROBLEM_CONTENT_TYPE, problemForStatus } from "./rest/problem.js";
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
}

/** Incoming request ids we keep (anything else is replaced by a fresh UUID). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The REST edge (fastify) that mobile apps and the backoffice web call. It
 * shares the gateway's port with gRPC health and reflection: every HTTP/1.1
 * request that is not an RPC lands here. Its routes come from the
 * `google.api.http` annotations of the exposed services (`rest/`), and
 * `GET /openapi.json` describes them; errors are RFC 9457 problem+json.
 */
export async function createEdgeApp(options: EdgeAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
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

  app.setNotFoundHandler((request, reply) => {
    const problem = problemForStatus(404, `No route for ${request.method} ${request.url.split("?")[0]}`, request.id);
    void reply.code(404).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const refusal = refusalOf(err);
    if (refusal) return sendProblem(reply, refusal);
    const status = typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) request.log.error({ err }, "edge request failed");
    const problem = problemForStatus(status, status < 500 ? err.message : undefined, request.id);
    return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  });
  await app.ready();
  return app;
}
