import { randomUUID } from "node:crypto";

/** The header carrying the request id in both directions. */
export const requestIdHeader = "x-request-id";

/** Ids we accept from callers: short and log-safe (no spaces or control characters). */
const acceptable = /^[A-Za-z0-9._:\-]{1,128}$/;

/**
 * Returns the caller's request id when it is reasonable, else a new UUID, so
 * an id that arrives from the gateway follows the call through every hop but
 * a hostile header cannot inject text into logs.
 */
export function resolveRequestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && acceptable.test(value) ? value : randomUUID();
}
