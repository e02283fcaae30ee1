import type { Logger } from "pino";

/**
 * On the first SIGTERM or SIGINT runs `shutdown` and exits 0 (1 if shutdown
 * failed); a second signal exits 1 at once, for an operator who has lost
 * patience. Returns a function that removes the handlers.
 */
export function exitOnSignals(shutdown: () => Promise<void>, logger: Logger): () => void {
  let received = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      logger.warn({ signal }, "second signal, exiting now");
      process.exit(1);
    }
    received = true;
    logger.info({ signal }, "signal received, shutting down");
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return () => {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  };
}
