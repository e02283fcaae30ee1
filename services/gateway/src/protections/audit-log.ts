import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { problemReasonOf } from "./problem.js";
import { routeTemplateOf, rpcMethodOf } from "./route-rpc.js";
import { rpcFullName } from "./public-routes.js";

/** The fields of one audit line; nothing else is ever written (no headers, bodies or tokens). */
export interface AuditRecord {
  readonly audit: "edge_request";
  /** The verified subject, or "anonymous". */
  readonly sub: string;
  readonly requestId: string;
  readonly clientIp: string;
  readonly httpMethod: string;
  /** The route template, not the URL: no ids or query strings (which may carry tokens). */
  readonly route: string;
  readonly rpc?: string;
  readonly status: number;
  /** "ok" (2xx/3xx), "refused" (4xx) or "failed" (5xx). */
  readonly outcome: "ok" | "refused" | "failed";
  /** The problem reason when an edge protection answered (e.g. RATE_LIMITED). */
  readonly reason?: string;
  readonly latencyMs: number;
}

/** The audit record of a finished request. */
export function auditRecordOf(request: FastifyRequest, reply: FastifyReply): AuditRecord {
  const status = reply.statusCode;
  const method = rpcMethodOf(request);
  const reason = problemReasonOf(request);
  return {
    audit: "edge_request",
    sub: request.accessClaims?.sub ?? "anonymous",
    requestId: request.id,
    clientIp: request.ip,
    httpMethod: request.method,
    route: routeTemplateOf(request),
    ...(method ? { rpc: rpcFullName(method) } : {}),
    status,
    outcome: status >= 500 ? "failed" : status >= 400 ? "refused" : "ok",
    ...(reason ? { reason } : {}),
    latencyMs: Math.round(reply.elapsedTime * 10) / 10,
  };
}

/**
 * onResponse hook writing one structured line per request to `logger`
 * (info; warn for 5xx): who, route, method, status, outcome, latency,
 * request id and client IP. Register it once; it sees refusals by the other
 * hooks too.
 */
export function createAuditLogHook(logger: Logger) {
  return async function auditLog(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const record = auditRecordOf(request, reply);
    if (record.outcome === "failed") logger.warn(record, "edge request");
    else logger.info(record, "edge request");
  };
}
