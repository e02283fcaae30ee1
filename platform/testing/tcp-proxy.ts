import net from "node:net";

/** Options for {@link createTcpProxy}. */
export interface TcpProxyOptions {
  readonly targetHost: string;
  readonly targetPort: number;
  /** Interface to listen on; default 127.0.0.1. The port is picked by the OS. */
  readonly host?: string;
}

/** What `cut()` does to connections opened while the proxy is cut. */
export type CutMode =
  /** Accept, then close at once: the client sees a reset or an immediate end. */
  | "refuse"
  /** Accept and never answer: the client waits for its own timeouts. */
  | "blackhole";

/** A fault-injecting TCP proxy in front of one server. */
export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  /** `forUrl` (e.g. the RabbitMQ URL) with its host and port replaced by the proxy's. */
  url(forUrl: string): string;
  /** Connections currently relayed. */
  readonly openConnections: number;
  /** True between `cut()` and `restore()`. */
  readonly isCut: boolean;
  /** Destroys every open connection and refuses (or blackholes) new ones until `restore()`. */
  cut(mode?: CutMode): void;
  /** Relays new connections again (blackholed ones are closed). */
  restore(): void;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

/**
 * Starts a TCP proxy on a free loopback port that relays to
 * `targetHost:targetPort` and can be cut and restored, so one test can make
 * a server (RabbitMQ, PostgreSQL, Redis) unreachable for its own clients
 * without disturbing tests running beside it.
 */
export async function createTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const host = options.host ?? "127.0.0.1";
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const held = new Set<net.Socket>();
  let cutMode: CutMode | undefined;

  const server = net.createServer((client) => {
    client.on("error", () => {});
    if (cutMode === "refuse") {
      client.resetAndDestroy();
      return;
    }
    if (cutMode === "blackhole") {
      held.add(client);
      client.on("close", () => held.delete(client));
      return;
    }
    client.pause();
    const upstream = net.connect({ host: options.targetHost, port: options.targetPort });
    const pair = { client, upstream };
    pairs.add(pair);
    upstream.on("error", () => {});
    const teardown = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", teardown);
    upstream.on("close", teardown);
    upstream.on("connect", () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  const destroyAll = () => {
    for (const { client, upstream } of [...pairs]) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  const releaseHeld = () => {
    for (const socket of held) socket.destroy();
    held.clear();
  };

  return {
    host,
    port,
    url(forUrl) {
      const url = new URL(forUrl);
      url.hostname = host;
      url.port = String(port);
      return url.toString();
    },
    get openConnections() {
      return pairs.size;
    },
    get isCut() {
      return cutMode !== undefined;
    },
    cut(mode = "refuse") {
      cutMode = mode;
      destroyAll();
    },
    restore() {
      cutMode = undefined;
      releaseHeld();
    },
    async close() {
      cutMode = "refuse";
      destroyAll();
      releaseHeld();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
