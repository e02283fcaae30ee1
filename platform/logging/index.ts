export { createLogger, createSilentLogger, type LoggerOptions } from "./create-logger.js";
export { redactPaths, redactionCensor, secretKeys, secretHeaders } from "./redact-paths.js";
export type { Logger } from "pino";
export { redactCodes } from "./redact-codes.js";
