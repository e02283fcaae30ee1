import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { EdgeProblem } from "./protections/problem.js";
import { fastifyErrorProblem } from "./protections/request-hygiene.js";

/**
 * Where a request fastify refused before routing is sent again: a path no
 * route has, so the not-found handler answers it with every hook run.
 */
const REFUSED_PATH = "/.edge/refused";

/** Refusals decided by fastify's router, by the raw request they belong to. */
const refusals = new WeakMap<IncomingMessage, EdgeProblem>();

/** The problem for an error fastify's router raised before any route or hook ran. */
export function routerErrorProblem(err: FastifyError): EdgeProblem {
  switch (err.code) {
    case "FST_ERR_BAD_URL":
      return new EdgeProblem(400, "Bad Request", "MALFORMED_URL", "the request path is not valid percent-encoded UTF-8");
    case "FST_ERR_MAX_PARAM_LENGTH":
      return new EdgeProblem(414, "URI Too Long", "PATH_PARAMETER_TOO_LONG", "a path parameter is longer than the edge accepts");
    default:
      return new EdgeProblem(500, "Internal Server Error", "ROUTING_FAILED", "The request could not be completed.");
  }
}

/**
 * fastify's `frameworkErrors` option. fastify answers a malformed
 * percent-escape or an over-long path parameter from its router, before any
 * hook runs (no request id, security or rate-limit headers, no audit line).
 * This handler keeps the refusal and routes the request again to a path no
 * route has, so the not-found handler answers it (see
 * {@link takeRouterRefusal}) through the whole lifecycle like any other
 * answer. The original URL stays in `request.originalUrl`.
 */
export function createFrameworkErrorsHandler(app: () => FastifyInstance) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const raw = request.raw as IncomingMessage & { originalUrl?: string };
    if (refusals.has(raw)) {
      // Refused again on the second pass: answer at once rather than loop.
      void reply.code(500).type("application/problem+json").send(routerErrorProblem(err).body());
      return;
    }
    refusals.set(raw, routerErrorProblem(err));
    raw.originalUrl ??= raw.url;
    raw.url = REFUSED_PATH;
    app().routing(raw, reply.raw as ServerResponse);
  };
}

/** The router's refusal of `request`, when the not-found handler got it from {@link createFrameworkErrorsHandler}. */
export function takeRouterRefusal(request: FastifyRequest): EdgeProblem | undefined {
  return refusals.get(request.raw);
}

/** A reason for a bare status: 400 → BAD_REQUEST, 413 → PAYLOAD_TOO_LARGE. */
function reasonOfStatus(status: number): string {
  return (STATUS_CODES[status] ?? "Error").toUpperCase().replace(/[^A-Z]+/g, "_");
}

/**
 * The problem for an error fastify raised inside the lifecycle (body
 * parsing, a hook or handler that threw): the hygiene refusals (413, 415,
 * malformed JSON) by their reason, anything else by its status with a reason
 * named after it; 5xx say nothing of the cause.
 */
export function lifecycleErrorProblem(err: FastifyError): EdgeProblem {
  const known = fastifyErrorProblem(err);
  if (known) return known;
  const status = typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
  const title = STATUS_CODES[status] ?? "Error";
  return new EdgeProblem(status, title, reasonOfStatus(status), status < 500 ? err.message : "The request could not be completed.");
}
