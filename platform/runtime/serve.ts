import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { createCallGraphInterceptor } from "../internal-auth/index.js";
import { callGraph } from "../mesh/call-graph.js";
import { startService, startWorker, type RunningService, type ServiceOptions } from "../server/index.js";
import type { z } from "zod";
import type { ReadinessCheck } from "../health/index.js";
import type { ProcessRuntime } from "./create-process-runtime.js";

/**
 * Serves a service process on its gRPC and admin ports: internal auth first,
 * then the call graph (`platform/mesh/call-graph.ts`) refusing per method any
 * caller it does not list (health and reflection are exempt from both), then
 * the platform's logging and metrics; readiness from the runtime; pools
 * closed after in-flight calls drain; SIGTERM handled.
 */
export async function serveProcess<Extra extends z.ZodRawShape>(
  runtime: ProcessRuntime<Extra>,
  routes: (router: ConnectRouter) => void,
  options: { fallback?: ServiceOptions["fallback"]; http1?: ServiceOptions["http1"]; interceptors?: Interceptor[] } = {},
): Promise<RunningService> {
  const { config, entry, logger } = runtime;
  if (config.GRPC_PORT === undefined) throw new Error(`${entry.name} is a worker: it has no gRPC port`);
  const running = await startService({
    name: entry.name,
    host: config.HOST,
    grpcPort: config.GRPC_PORT,
    adminPort: config.ADMIN_PORT,
    logger,
    metrics: runtime.metrics,
    routes,
    interceptors: [runtime.internalAuth.serverInterceptor(), createCallGraphInterceptor({ graph: callGraph }), ...(options.interceptors ?? [])],
    readiness: runtime.readiness,
    fallback: options.fallback,
    http1: options.http1,
    onShutdown: () => runtime.close(),
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    handleSignals: true,
  });
  logger.info({ internalAuth: runtime.internalAuth.mode }, "internal authentication mode");
  return running;
}

/**
 * Runs a worker process: `run` loops until its signal aborts (SIGTERM), the
 * admin port answers health, readiness (the runtime's checks unless the worker
 * names its own) and metrics meanwhile.
 */
export async function runWorkerProcess<Extra extends z.ZodRawShape>(
  runtime: ProcessRuntime<Extra>,
  run: (signal: AbortSignal) => Promise<void>,
  options: { readiness?: ReadinessCheck[] } = {},
): Promise<void> {
  const { config, entry, logger } = runtime;
  await startWorker({
    name: entry.name,
    host: config.HOST,
    adminPort: config.ADMIN_PORT,
    logger,
    metrics: runtime.metrics,
    readiness: options.readiness ?? runtime.readiness,
    run,
    onShutdown: () => runtime.close(),
    handleSignals: true,
  });
}

/** A worker loop for processes whose work a later issue brings: waits for shutdown. */
export function idleUntilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
