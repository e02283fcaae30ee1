export { createProcessRuntime, type ProcessRuntime } from "./create-process-runtime.js";
export { meshProcessConfigSchema, processDatabase, LOCAL_AMQP_URL, LOCAL_REDIS_URL, type MeshProcessConfig, type ProcessDatabase } from "./process-config.js";
export { serveProcess, runWorkerProcess, idleUntilAborted } from "./serve.js";
