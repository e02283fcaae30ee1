export { createProcessRuntime, type ProcessRuntime } from "./create-process-runtime.js";
export { meshProcessConfigSchema, LOCAL_AMQP_URL, LOCAL_REDIS_URL, type MeshProcessConfig } from "./process-config.js";
export { serveProcess, runWorkerProcess, idleUntilAborted } from "./serve.js";
