import { pino, type DestinationStream, type Logger } from "pino";
import { redactCodes } from "./redact-codes.js";
import { redactPaths, redactionCensor } from "./redact-paths.js";

/** Options for createLogger. */
export interface LoggerOptions {
  /** Process name, written as `service` on every line (the catalogue name). */
  service: string;
  /** pino level; default "info". */
  level?: string;
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  destination?: DestinationStream;
  /** Extra fields on every line. */
  base?: Record<string, unknown>;
}

/**
 * Creates the process logger: JSON lines with `service`, an ISO timestamp and
 * the level as a word, and credentials (authorization headers, cookies,
 * passwords, tokens, OTPs, secrets, API keys) replaced by "[redacted]".
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: options.service, pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: redactCodes },
      redact: { paths: redactPaths(), censor: redactionCensor },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination,
  );
}

/** A logger that writes nothing, for defaults and tests. */
export function createSilentLogger(): Logger {
  return pino({ level: "silent" });
}
