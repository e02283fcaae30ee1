import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { EdgeProblem, sendProblem } from "./problem.js";
import type { ProtectionsSettings } from "./config.js";
import type { EdgeRateLimits } from "./rate-limits.js";

/** Default largest request body (64 KiB): the biggest REST request is a few hundred bytes. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

/** Default largest total of request headers (16 KiB, Node's own default): room for an 8 KiB token. */
export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;

/** The response headers set on every answer (what @fastify/helmet would set for a JSON API). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "strict-transport-security": "max-age=63072000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "x-dns-prefetch-control": "off",
  "x-permitted-cross-domain-policies": "none",
};

/** Hygiene settings; see `ProtectionsSettings.hygiene`. */
export type HygieneSettings = ProtectionsSettings["hygiene"];

/**
 * Options for the `Fastify()` constructor that go with these protections:
 * the body limit, and the proxies whose `X-Forwarded-For`/`-Proto` fastify
 * believes (so `request.ip` and `request.protocol` are the client's). The
 * header limit is the HTTP server's (`maxHeaderSize`) and is also enforced by
 * the hygiene hook, since the gateway's server is the platform's.
 */
export function edgeServerOptions(settings: HygieneSettings): { bodyLimit: number; trustProxy: boolean | string[]; maxHeaderSize: number } {
  return {
    bodyLimit: settings.bodyLimitBytes,
    trustProxy: typeof settings.trustProxy === "boolean" ? settings.trustProxy : [...settings.trustProxy],
    maxHeaderSize: settings.maxHeaderBytes,
  };
}

/**
 * Room above `maxUrlBytes` + `maxHeaderBytes` left to Node's HTTP parser
 * (whose one limit counts the URL and the headers together): a URL or
 * headers a little over their limit are refused by the hygiene hook (a full
 * answer with an audit line); only far larger ones are cut by the parser,
 * whose answer has no request behind it.
 */
const PARSER_HEADER_HEADROOM = 2;

/** The HTTP/1.1 settings of the gateway's port, as the platform's `http1` option takes them. */
export interface EdgeHttp1Options {
  readonly maxHeaderSize: number;
  readonly refusalHeaders: Record<string, string>;
  readonly refusalHeadersFor?: (remoteAddress: string) => Promise<Record<string, string>>;
}

/**
 * The HTTP/1.1 server settings of the gateway's port (the platform's
 * `http1` option): the parser's limit, the security headers on the answers
 * the parser sends itself (431, 414, 400, 408), which also carry a request id
 * and a problem+json body, and, with `limits`, the per-IP rate-limit headers
 * on them too (one point of the socket's remote address, as `perIp` counts
 * any request; none when no store answers, as for any request).
 */
export function edgeHttp1Options(settings: HygieneSettings, limits?: Pick<EdgeRateLimits, "ipHeadersFor">): EdgeHttp1Options {
  return {
    maxHeaderSize: (settings.maxHeaderBytes + settings.maxUrlBytes) * PARSER_HEADER_HEADROOM,
    refusalHeaders: { ...SECURITY_HEADERS, "cache-control": "no-store" },
    ...(limits ? { refusalHeadersFor: (address: string) => limits.ipHeadersFor(address) } : {}),
  };
}

/** Whether a content type is JSON: `application/json`, parameters allowed, charset (if any) UTF-8. */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const [essence, ...params] = value.split(";").map((part) => part.trim().toLowerCase());
  if (essence !== "application/json") return false;
  return params.every((param) => !param.startsWith("charset=") || param === "charset=utf-8" || param === 'charset="utf-8"');
}

/** Whether the request announces a body (a non-zero Content-Length or chunked transfer). */
function hasBody(request: FastifyRequest): boolean {
  const length = request.headers["content-length"];
  if (length !== undefined) return length !== "0";
  return request.headers["transfer-encoding"] !== undefined;
}

/**
 * Length of the request's URL as received (path and query; one character per
 * byte, as Node reads the request line), before fastify's router refusals
 * route it again (`originalUrl`).
 */
function urlBytes(request: FastifyRequest): number {
  const raw = request.raw as typeof request.raw & { originalUrl?: string };
  return (raw.originalUrl ?? raw.url ?? "").length;
}

/** Total size of the request's header block as received (names, values, separators). */
function headerBytes(request: FastifyRequest): number {
  const raw = request.raw.rawHeaders;
  let total = 0;
  for (let i = 0; i < raw.length; i++) total += Buffer.byteLength(raw[i]!) + 2;
  return total;
}

/** Paths that answer over plain HTTP even when HTTPS is required (load balancers' liveness and readiness probes). */
const PLAIN_HTTP_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz"]);

/**
 * Request hygiene, as one onRequest hook (register it right after the per-IP
 * limit, so its refusals carry the RateLimit headers) and one onSend hook:
 *  - HTTPS only when `requireHttps`: a request whose protocol is not https is
 *    refused with 403 (`HTTPS_REQUIRED`); behind a TLS-terminating proxy the
 *    protocol comes from `X-Forwarded-Proto`, believed only from
 *    `trustProxy` (fastify's option of that name, see {@link edgeServerOptions});
 *  - URL over `maxUrlBytes`: 414;
 *  - header block over `maxHeaderBytes`: 431;
 *  - a declared body over `bodyLimitBytes`: 413 before reading it (chunked
 *    bodies are cut by fastify's `bodyLimit`, see `fastifyErrorProblem`);
 *  - a body that is not `application/json`: 415;
 *  - security headers (HSTS, nosniff, frame and CSP denial, no referrer,
 *    `Cache-Control: no-store` unless a route set one) on every answer.
 */
export function registerRequestHygiene(app: FastifyInstance, settings: HygieneSettings): void {
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    if (settings.requireHttps && request.protocol !== "https" && !PLAIN_HTTP_PATHS.has(request.url.split("?")[0]!)) {
      return sendProblem(reply, new EdgeProblem(403, "Forbidden", "HTTPS_REQUIRED", "this API is only served over HTTPS"));
    }
    if (urlBytes(request) > settings.maxUrlBytes) {
      return sendProblem(reply, new EdgeProblem(414, "URI Too Long", "URI_TOO_LONG", `request URLs are limited to ${settings.maxUrlBytes} bytes`));
    }
    if (headerBytes(request) > settings.maxHeaderBytes) {
      return sendProblem(
        reply,
        new EdgeProblem(431, "Request Header Fields Too Large", "HEADERS_TOO_LARGE", `request headers are limited to ${settings.maxHeaderBytes} bytes`),
      );
    }
    if (!hasBody(request)) return undefined;
    const length = Number(request.headers["content-length"] ?? "0");
    if (length > settings.bodyLimitBytes) {
      return sendProblem(
        reply,
        new EdgeProblem(413, "Content Too Large", "BODY_TOO_LARGE", `request bodies are limited to ${settings.bodyLimitBytes} bytes`),
      );
    }
    if (!isJsonContentType(request.headers["content-type"])) {
      return sendProblem(
        reply,
        new EdgeProblem(415, "Unsupported Media Type", "UNSUPPORTED_MEDIA_TYPE", "request bodies must be application/json (UTF-8)", {
          "accept-post": "application/json",
        }),
      );
    }
    return undefined;
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) void reply.header(name, value);
    if (!reply.hasHeader("cache-control")) void reply.header("cache-control", "no-store");
    return payload;
  });
}

/**
 * The problem for an error fastify raised while reading a request (for the
 * core's error handler), or undefined when `err` is not one: body too large
 * 413, unsupported media type 415, malformed JSON or length 400.
 */
export function fastifyErrorProblem(err: unknown): EdgeProblem | undefined {
  const code = (err as { code?: unknown })?.code;
  switch (code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new EdgeProblem(413, "Content Too Large", "BODY_TOO_LARGE", "the request body is too large");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new EdgeProblem(415, "Unsupported Media Type", "UNSUPPORTED_MEDIA_TYPE", "request bodies must be application/json (UTF-8)");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new EdgeProblem(400, "Bad Request", "MALFORMED_BODY", "the request body is not valid JSON");
    default:
      if (err instanceof SyntaxError && (err as { statusCode?: number }).statusCode === 400) {
        return new EdgeProblem(400, "Bad Request", "MALFORMED_BODY", "the request body is not valid JSON");
      }
      return undefined;
  }
}
