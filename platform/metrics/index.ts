export { createMetrics, type Metrics, type MetricsOptions } from "./create-metrics.js";
export { createRpcObserver, errorCodeName, methodLabel, type RpcOutcome } from "./observe-rpc.js";
export type { Registry } from "prom-client";
