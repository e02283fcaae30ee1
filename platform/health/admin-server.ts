import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { ReadinessCheck } from "./readiness.js";
import { readinessResponse } from "./readiness-response.js";
import { registerReadinessMetric } from "./readiness-metrics.js";

/** Options for startAdminServer. */
export interface AdminServerOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to bind; default 0.0.0.0 (probes and scrapers come from outside). */
  host?: string;
  /** The process's metrics registry, served at /metrics. */
  registry: Registry;
  /** Dependencies that must answer for /readyz to be 200. */
  readiness?: readonly ReadinessCheck[];
  /** True once shutdown has begun: /readyz then answers 503 at once. */
  isShuttingDown: () => boolean;
  /** Bound on each readiness check; default 2000 ms. */
  readinessTimeoutMs?: number;
  logger?: Logger;
}

/** A running admin server. */
export interface AdminServer {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Stops listening and closes every connection (scrapers keep them alive). */
  close(): Promise<void>;
}

/**
 * Starts the admin HTTP server of a process: `GET /healthz` (200 while the
 * process lives), `GET /readyz` (200 only when every readiness check passes
 * and the process is not shutting down, else 503 naming the failing checks;
 * checks with a `detail`, such as a RabbitMQ client's reconnect state, add
 * `details: { <name>: { ok, ...detail } }`) and `GET /metrics` (Prometheus
 * text, with `readiness_check_ok{check}`: the same checks, run at scrape time).
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const readiness = options.readiness ?? [];
  const timeoutMs = options.readinessTimeoutMs ?? 2000;
  registerReadinessMetric(options.registry, readiness, { timeoutMs, ...(options.logger ? { logger: options.logger } : {}) });

  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      return sendJson(res, 405, { status: "method not allowed" }, { allow: "GET, HEAD" });
    }
    switch (path) {
      case "/healthz":
        return sendJson(res, 200, { status: "ok" });
      case "/readyz":
        return void handleReadyz(res);
      case "/metrics":
        return void handleMetrics(res);
      default:
        return sendJson(res, 404, { status: "not found" });
    }
  });

  async function handleReadyz(res: http.ServerResponse): Promise<void> {
    const { status, body } = await readinessResponse(readiness, { timeoutMs, isShuttingDown: options.isShuttingDown, logger: options.logger });
    sendJson(res, status, body);
  }

  async function handleMetrics(res: http.ServerResponse): Promise<void> {
    try {
      const body = await options.registry.metrics();
      res.writeHead(200, { "content-type": options.registry.contentType });
      res.end(body);
    } catch (err) {
      options.logger?.error({ err }, "collecting metrics failed");
      sendJson(res, 500, { status: "metrics unavailable" });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}
