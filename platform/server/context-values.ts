import { createContextKey } from "@connectrpc/connect";
import type { Logger } from "pino";
import { createSilentLogger } from "../logging/index.js";

/**
 * Request-scoped values every handler can read from `ctx.values`:
 *
 * ```ts
 * const log = ctx.values.get(requestContext.logger);
 * log.info({ accountId }, "transfer accepted");
 * ```
 */
export const requestContext = {
  /** The call's request id: the caller's `x-request-id`, or a fresh UUID. */
  requestId: createContextKey<string>("", { description: "request id" }),
  /** The process logger bound to this call's requestId and method. */
  logger: createContextKey<Logger>(createSilentLogger(), { description: "request logger" }),
};
