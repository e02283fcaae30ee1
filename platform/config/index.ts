export { ConfigError, type ConfigProblem } from "./config-error.js";
export { readConfig, loadConfig, type Env } from "./read-config.js";
export * from "./fields.js";
export { fieldInfo, lookupFieldInfo, type FieldInfo } from "./field-info.js";
export {
  processConfigSchema,
  workerConfigSchema,
  nodeEnvironments,
  type ProcessConfig,
  type WorkerConfig,
} from "./process-config.js";
