export { startService, type RunningService, type ServiceOptions } from "./start-service.js";
export { startWorker, type RunningWorker, type WorkerOptions } from "./start-worker.js";
export { requestContext } from "./context-values.js";
export { requestIdHeader, resolveRequestId } from "./request-id.js";
export { createDataErrorInterceptor, createErrorSanitizer, createRpcLoggingInterceptor } from "./rpc-interceptors.js";
export { createDualProtocolServer, clientErrorResponse, type DualProtocolServer, type Http1Options, type NodeHandlerFn } from "./dual-protocol-server.js";
export { exitOnSignals } from "./signals.js";
export type { ReadinessCheck, HealthState } from "../health/index.js";
