export { createMetrics, type Metrics, type MetricsOptions } from "./create-metrics.js";
export { registeredCounter, type RegisteredCounterOptions } from "./registered-counter.js";
export { createRpcObserver, errorCodeName, methodLabel, type RpcOutcome } from "./observe-rpc.js";
export type { Registry } from "prom-client";
