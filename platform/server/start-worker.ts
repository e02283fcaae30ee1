import type { Logger } from "pino";
import { startAdminServer, type ReadinessCheck } from "../health/index.js";
import { createMetrics, type Metrics } from "../metrics/index.js";
import { exitOnSignals } from "./signals.js";

/** What a worker process (no gRPC port) needs to run. */
export interface WorkerOptions {
  /** Process name from the mesh catalogue, e.g. "ledger-outbox-relay". */
  name: string;
  /** Interface for the admin port; default 0.0.0.0. */
  host?: string;
  /** Admin port (/healthz, /readyz, /metrics); 0 picks a free one. */
  adminPort: number;
  logger: Logger;
  readiness?: ReadinessCheck[];
  /**
   * The worker's loop. It must return once `signal` aborts; returning earlier
   * shuts the process down, and throwing does too (exit 1 with handleSignals).
   */
  run: (signal: AbortSignal) => Promise<void>;
  /** Closes pools and clients after `run` has returned. */
  onShutdown?: () => Promise<void>;
  /** Bound on waiting for `run` to return after abort; default 10 000 ms. */
  shutdownTimeoutMs?: number;
  /** SIGTERM/SIGINT → shutdown() then exit 0; entry points pass true. Default false. */
  handleSignals?: boolean;
  /** The process's metrics, when the worker registers its own; default a new registry. */
  metrics?: Metrics;
}

/** A started worker. */
export interface RunningWorker {
  name: string;
  adminPort: number;
  /** http://127.0.0.1:ADMIN_PORT */
  adminUrl: string;
  metrics: Metrics;
  /** Settles when `run` does: rejects with its error if it failed. */
  done: Promise<void>;
  /** Aborts `run`, waits for it (bounded), runs onShutdown, closes the admin port. */
  shutdown(): Promise<void>;
}

/**
 * Starts a worker process: the admin server first, then `run` with a signal
 * that aborts on shutdown. /readyz answers 503 from the moment shutdown begins.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { logger, name } = options;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const metrics = options.metrics ?? createMetrics({ service: name });
  const controller = new AbortController();
  let shuttingDown = false;

  const admin = await startAdminServer({
    port: options.adminPort,
    host: options.host ?? "0.0.0.0",
    registry: metrics.registry,
    readiness: options.readiness,
    isShuttingDown: () => shuttingDown,
    logger,
  });
  logger.info({ adminPort: admin.port }, `${name} running`);

  const done = Promise.resolve().then(() => options.run(controller.signal));
  done.catch(() => {}); // the caller may never look at `done`; failures are handled below

  let shutdownPromise: Promise<void> | undefined;
  let removeSignalHandlers = () => {};

  async function runShutdown(): Promise<void> {
    shuttingDown = true;
    logger.info("shutting down");
    controller.abort();
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      done.then(() => true, () => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), shutdownTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (!finished) logger.warn({ shutdownTimeoutMs }, "worker did not stop in time");
    try {
      await options.onShutdown?.();
    } catch (err) {
      logger.error({ err }, "onShutdown failed");
    }
    await admin.close();
    removeSignalHandlers();
    logger.info(`${name} stopped`);
  }

  const shutdown = () => (shutdownPromise ??= runShutdown());
  if (options.handleSignals) removeSignalHandlers = exitOnSignals(shutdown, logger);

  // A loop that ends or fails by itself takes the process down with it.
  done.then(
    () => {
      if (shuttingDown) return;
      logger.warn("worker loop returned before shutdown");
      void shutdown().then(() => options.handleSignals && process.exit(0));
    },
    (err: unknown) => {
      if (shuttingDown) return;
      logger.fatal({ err }, "worker loop failed");
      void shutdown().then(() => options.handleSignals && process.exit(1));
    },
  );

  return { name, adminPort: admin.port, adminUrl: admin.url, metrics, done, shutdown };
}
