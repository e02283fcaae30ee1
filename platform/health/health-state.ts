import { HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";

export { ServingStatus };

/**
 * The serving status of a process ("" = the server as a whole) and of each
 * service it hosts, as the gRPC health protocol reports it.
 */
export interface HealthState {
  /** Sets one service's status; ignored after shutdown() except NOT_SERVING. */
  setStatus(service: string, status: ServingStatus): void;
  /** Marks a service ("" by default) SERVING. */
  setServing(service?: string): void;
  /** Marks a service ("" by default) NOT_SERVING. */
  setNotServing(service?: string): void;
  /** The status of a service, or undefined when it was never registered. */
  getStatus(service: string): ServingStatus | undefined;
  /** A snapshot of every known service's status. */
  statuses(): ReadonlyMap<string, ServingStatus>;
  /**
   * Streams a service's status: the current one at once (SERVICE_UNKNOWN for
   * an unregistered name), then every change, until `signal` aborts or the
   * state shuts down (after a final NOT_SERVING).
   */
  watch(service: string, signal?: AbortSignal): AsyncIterable<ServingStatus>;
  /** Marks everything NOT_SERVING for good and ends every watch. */
  shutdown(): void;
  /** Whether shutdown() has been called. */
  readonly shuttingDown: boolean;
}

type Listener = (status: ServingStatus | "end") => void;

/** Creates a health state; every name in `services` starts NOT_SERVING. */
export function createHealthState(services: Iterable<string> = [""]): HealthState {
  const statuses = new Map<string, ServingStatus>();
  const listeners = new Map<string, Set<Listener>>();
  let shuttingDown = false;

  for (const service of services) statuses.set(service, ServingStatus.NOT_SERVING);

  const notify = (service: string, event: ServingStatus | "end") => {
    for (const listener of listeners.get(service) ?? []) listener(event);
  };

  const setStatus = (service: string, status: ServingStatus) => {
    // Once shutting down, nothing may claim to serve again.
    if (shuttingDown && status !== ServingStatus.NOT_SERVING) return;
    if (statuses.get(service) === status) return;
    statuses.set(service, status);
    notify(service, status);
  };

  async function* watch(service: string, signal?: AbortSignal): AsyncGenerator<ServingStatus> {
    const queue: Array<ServingStatus | "end"> = [];
    let wake: (() => void) | undefined;
    const push: Listener = (event) => {
      queue.push(event);
      wake?.();
    };
    const onAbort = () => push("end");
    let set = listeners.get(service);
    if (!set) listeners.set(service, (set = new Set()));
    set.add(push);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      // Already over: report the (final) status once and stop.
      const finished = shuttingDown || signal?.aborted === true;
      let last: ServingStatus = statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
      yield last;
      if (finished) return;
      for (;;) {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const event = queue.shift()!;
        if (event === "end") return;
        if (event === last) continue; // the protocol sends changes only
        last = event;
        yield event;
      }
    } finally {
      set.delete(push);
      if (set.size === 0) listeners.delete(service);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  return {
    setStatus,
    setServing: (service = "") => setStatus(service, ServingStatus.SERVING),
    setNotServing: (service = "") => setStatus(service, ServingStatus.NOT_SERVING),
    getStatus: (service) => statuses.get(service),
    statuses: () => new Map(statuses),
    watch,
    shutdown() {
      if (shuttingDown) return;
      for (const service of statuses.keys()) setStatus(service, ServingStatus.NOT_SERVING);
      shuttingDown = true;
      for (const service of listeners.keys()) notify(service, "end");
    },
    get shuttingDown() {
      return shuttingDown;
    },
  };
}
