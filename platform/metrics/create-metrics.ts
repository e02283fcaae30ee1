import type { Interceptor } from "@connectrpc/connect";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { createRpcObserver } from "./observe-rpc.js";

/** Options for createMetrics. */
export interface MetricsOptions {
  /** Process name; the `service` label on every metric of this registry. */
  service: string;
  /** Collect prom-client's process metrics (CPU, memory, event loop); default true. */
  defaultMetrics?: boolean;
}

/** A process's metrics: its registry and the RPC instruments. */
export interface Metrics {
  /** The one registry of this process, served at /metrics. */
  readonly registry: Registry;
  /** Server interceptor recording rpc_requests_total and rpc_duration_seconds. */
  readonly rpcInterceptor: Interceptor;
  /** rpc_requests_total{service, method, code}. */
  readonly rpcRequests: Counter<"method" | "code">;
  /** rpc_duration_seconds{service, method}. */
  readonly rpcDuration: Histogram<"method">;
}

/** Latency buckets in seconds, from a cache hit to a slow ledger transaction. */
const durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Creates one registry per process, labelled with `service`, with default
 * process metrics and per-RPC counters and a latency histogram recorded by
 * `rpcInterceptor` (unary and streaming calls, errors included).
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const rpcRequests = new Counter({
    name: "rpc_requests_total",
    help: "RPCs handled, by method and Connect code.",
    labelNames: ["method", "code"] as const,
    registers: [registry],
  });
  const rpcDuration = new Histogram({
    name: "rpc_duration_seconds",
    help: "RPC handling time in seconds, until the last response message.",
    labelNames: ["method"] as const,
    buckets: durationBuckets,
    registers: [registry],
  });
  const rpcInterceptor = createRpcObserver(({ method, code, durationMs }) => {
    rpcRequests.inc({ method, code });
    rpcDuration.observe({ method }, durationMs / 1000);
  });
  return { registry, rpcInterceptor, rpcRequests, rpcDuration };
}
