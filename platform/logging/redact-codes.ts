import { redactionCensor } from "./redact-paths.js";

/** Keys under which `code` is an error code, which operators need to read. */
const errorKeys = new Set(["err", "error", "cause"]);

/** How deep to look; matches the depth of the path-based redaction. */
const maxDepth = 4;

/**
 * Replaces every `code` field with "[redacted]" except inside errors.
 *
 * A `code` in a request or user object may be an OTP or an OAuth
 * authorization code, but `err.code` (ECONNREFUSED, a SQLSTATE) must stay
 * readable. pino's path redaction cannot express "everywhere but under err",
 * so this runs as the log formatter. Objects are copied only along the paths
 * that change; the caller's objects are never mutated.
 */
export function redactCodes(object: Record<string, unknown>): Record<string, unknown> {
  return redactIn(object, 0) as Record<string, unknown>;
}

function redactIn(value: unknown, depth: number): unknown {
  if (depth >= maxDepth || value === null || typeof value !== "object") return value;
  if (Array.isArray(value) || value instanceof Error || ArrayBuffer.isView(value)) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value; // leave class instances alone
  let copy: Record<string, unknown> | undefined;
  for (const [key, child] of Object.entries(value)) {
    let next = child;
    if (key === "code" && child !== undefined && child !== null && typeof child !== "object") {
      next = redactionCensor;
    } else if (!errorKeys.has(key)) {
      next = redactIn(child, depth + 1);
    }
    if (next !== child) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = next;
    }
  }
  return copy ?? value;
}
