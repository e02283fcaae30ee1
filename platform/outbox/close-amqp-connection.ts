import type { ChannelModel } from "amqplib";

/**
 * Closes an AMQP connection and waits at most `timeoutMs`. amqplib's
 * `close()` never settles when the socket dies while it waits for the
 * broker's close-ok (a reset or a proxy going away just as shutdown begins),
 * so the connection's own "close" event and a timer also end the wait:
 * otherwise a SIGTERM arriving with a network fault hangs the process.
 */
export async function closeAmqpConnection(model: ChannelModel, timeoutMs = 5_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gone = new Promise<void>((resolve) => {
    model.once("close", () => resolve());
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await Promise.race([model.close().catch(() => {}), gone]);
  } finally {
    clearTimeout(timer);
  }
}
