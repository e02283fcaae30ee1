import { Code, ConnectError, createContextValues, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import {
  createHealthService,
  createHealthState,
  startAdminServer,
  type HealthState,
  type ReadinessCheck,
} from "../health/index.js";
import { createMetrics, type Metrics } from "../metrics/index.js";
import { registerReflection } from "../reflection/index.js";
import { createTextHygieneInterceptor } from "../text-hygiene/index.js";
import { requestContext } from "./context-values.js";
import { createDualProtocolServer, type Http1Options, type NodeHandlerFn } from "./dual-protocol-server.js";
import { requestIdHeader, resolveRequestId } from "./request-id.js";
import { createDataErrorInterceptor, createErrorSanitizer, createRpcLoggingInterceptor } from "./rpc-interceptors.js";
import { exitOnSignals } from "./signals.js";

/** What a gRPC service process needs to run. */
export interface ServiceOptions {
  /** Process name from the mesh catalogue, e.g. "ledger": log and metrics `service`. */
  name: string;
  /** Interface to bind both ports to; default 0.0.0.0. */
  host?: string;
  /** gRPC/Connect port; 0 picks a free one. */
  grpcPort: number;
  /** Admin port (/healthz, /readyz, /metrics); 0 picks a free one. */
  adminPort: number;
  logger: Logger;
  /** Registers the service's own Connect services. */
  routes: (router: ConnectRouter) => void;
  /**
   * Extra server interceptors (e.g. internal auth), inside the platform's
   * error sanitizer, logging, metrics and data-error mapping, and outside its
   * text hygiene (so an unauthenticated caller learns nothing about fields).
   * They also see grpc.health.v1.* and grpc.reflection.* calls and must let
   * those through themselves.
   */
  interceptors?: Interceptor[];
  /** Dependencies /readyz checks (SELECT 1, Redis PING...). */
  readiness?: ReadinessCheck[];
  /** Handles HTTP requests that match no RPC (the gateway's REST app); default 404. */
  fallback?: NodeHandlerFn;
  /** The HTTP/1.1 server's header limit and the headers of the answers its parser sends (431, 414, 400, 408). */
  http1?: Http1Options;
  /** Closes pools and clients once in-flight calls have drained. */
  onShutdown?: () => Promise<void>;
  /** Bound on draining in-flight calls; default 10 000 ms. */
  shutdownTimeoutMs?: number;
  /**
   * Pause between turning not-ready and closing the listener, so load
   * balancers stop routing first (Kubernetes endpoints lag); default 0.
   */
  drainDelayMs?: number;
  /** SIGTERM/SIGINT → shutdown() then exit 0; entry points pass true. Default false. */
  handleSignals?: boolean;
  /** The process's metrics, when the service registers its own; default a new registry. */
  metrics?: Metrics;
}

/** A started service process. */
export interface RunningService {
  name: string;
  /** The bound gRPC port (the real one when 0 was asked for). */
  grpcPort: number;
  adminPort: number;
  /** http://127.0.0.1:GRPC_PORT, for clients in tests and scripts. */
  url: string;
  /** http://127.0.0.1:ADMIN_PORT */
  adminUrl: string;
  /** Health of "" and every registered service; all SERVING once started. */
  health: HealthState;
  metrics: Metrics;
  /** Graceful shutdown; idempotent (later calls return the same promise). */
  shutdown(): Promise<void>;
}

/** Wait between aborting handlers after the timeout and destroying sockets. */
const abortGraceMs = 250;

/**
 * Starts a service process: one port serving gRPC (h2c), gRPC-Web and Connect
 * (HTTP/1.1 and HTTP/2) with the service's routes plus grpc.health.v1.Health
 * and server reflection (v1 and v1alpha), and the admin port. Every call gets
 * a request id (taken from `x-request-id` or created, echoed in the response)
 * and a logger bound to it in `requestContext`, one log line, and metrics.
 * Interceptors, outermost first: error sanitizer, logging, metrics, data
 * errors (PostgreSQL class 22 → InvalidArgument), the service's own, text
 * hygiene (a request string with NUL or a lone surrogate → InvalidArgument
 * naming the field, before the handler runs).
 *
 * Shutdown order: health NOT_SERVING and /readyz 503, stop accepting
 * connections and send GOAWAY, let in-flight calls finish (bounded by
 * shutdownTimeoutMs, then abort and destroy), run onShutdown, close the
 * admin server.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { logger, name } = options;
  const host = options.host ?? "0.0.0.0";
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const metrics = options.metrics ?? createMetrics({ service: name });
  const health = createHealthState([""]);
  const shutdownController = new AbortController();
  const requestIds = new WeakMap<object, string>();
  let servedNames: string[] = [];

  const handler = connectNodeAdapter({
    routes(router) {
      options.routes(router);
      servedNames = [...new Set(router.handlers.map((h) => h.service.typeName))];
      router.service(Health, createHealthService(health));
      registerReflection(router); // last, so it describes everything above
    },
    interceptors: [
      createErrorSanitizer(),
      createRpcLoggingInterceptor(),
      metrics.rpcInterceptor,
      createDataErrorInterceptor(),
      ...(options.interceptors ?? []),
      createTextHygieneInterceptor(),
    ],
    fallback: options.fallback,
    shutdownSignal: shutdownController.signal,
    contextValues(req) {
      const requestId = requestIds.get(req) ?? resolveRequestId(req.headers[requestIdHeader]);
      return createContextValues()
        .set(requestContext.requestId, requestId)
        .set(requestContext.logger, logger.child({ requestId }));
    },
  });

  const server = createDualProtocolServer((req, res) => {
    const requestId = resolveRequestId(req.headers[requestIdHeader]);
    requestIds.set(req, requestId);
    req.headers[requestIdHeader] = requestId; // for the fallback app
    res.setHeader(requestIdHeader, requestId); // merged into whatever Connect writes
    handler(req, res);
  }, options.http1);

  const admin = await startAdminServer({
    port: options.adminPort,
    host,
    registry: metrics.registry,
    readiness: options.readiness,
    isShuttingDown: () => health.shuttingDown,
    logger,
  });
  let grpcPort: number;
  try {
    grpcPort = await server.listen(options.grpcPort, host);
  } catch (error) {
    await admin.close();
    throw error;
  }
  health.setServing("");
  for (const service of servedNames) health.setServing(service);
  logger.info({ grpcPort, adminPort: admin.port, services: servedNames }, `${name} listening`);

  let shutdownPromise: Promise<void> | undefined;
  let removeSignalHandlers = () => {};

  async function runShutdown(): Promise<void> {
    const started = performance.now();
    logger.info({ inFlight: server.inFlight }, "shutting down");
    health.shutdown(); // NOT_SERVING, /readyz 503, health watches end
    if (options.drainDelayMs) await new Promise((r) => setTimeout(r, options.drainDelayMs));
    const drained = await server.close(shutdownTimeoutMs);
    if (!drained) {
      logger.warn({ inFlight: server.inFlight, shutdownTimeoutMs }, "in-flight calls did not finish in time, aborting them");
      shutdownController.abort(new ConnectError("server is shutting down", Code.Unavailable));
      await server.close(abortGraceMs);
      server.destroy();
    }
    try {
      await options.onShutdown?.();
    } catch (err) {
      logger.error({ err }, "onShutdown failed");
    }
    await admin.close();
    removeSignalHandlers();
    logger.info({ durationMs: Math.round(performance.now() - started) }, `${name} stopped`);
  }

  const shutdown = () => (shutdownPromise ??= runShutdown());
  if (options.handleSignals) removeSignalHandlers = exitOnSignals(shutdown, logger);

  return {
    name,
    grpcPort,
    adminPort: admin.port,
    url: `http://127.0.0.1:${grpcPort}`,
    adminUrl: admin.url,
    health,
    metrics,
    shutdown,
  };
}
