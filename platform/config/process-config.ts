import { z } from "zod";
import { durationMs, logLevel, oneOf, port, text } from "./fields.js";

/** Deployment environments; production enables the strict checks. */
export const nodeEnvironments = ["development", "test", "production"] as const;

/** Shared by services and workers. */
function commonShape() {
  return {
    NODE_ENV: oneOf(nodeEnvironments, "development"),
    LOG_LEVEL: logLevel("info"),
    HOST: text("0.0.0.0"),
    SHUTDOWN_TIMEOUT_MS: durationMs(10_000),
  };
}

/**
 * The variables every gRPC service process reads, with the process's default
 * ports (from the mesh catalogue). Services extend it with their own:
 * `processConfigSchema({ grpcPort: 8082, adminPort: 9082 }).extend({ ... })`.
 */
export function processConfigSchema(defaults: { grpcPort: number; adminPort: number }) {
  return z.object({
    ...commonShape(),
    GRPC_PORT: port(defaults.grpcPort),
    ADMIN_PORT: port(defaults.adminPort),
  });
}

/** The variables every worker process (admin port only) reads. */
export function workerConfigSchema(defaults: { adminPort: number }) {
  return z.object({
    ...commonShape(),
    ADMIN_PORT: port(defaults.adminPort),
  });
}

/** The parsed form of processConfigSchema. */
export type ProcessConfig = z.output<ReturnType<typeof processConfigSchema>>;

/** The parsed form of workerConfigSchema. */
export type WorkerConfig = z.output<ReturnType<typeof workerConfigSchema>>;
