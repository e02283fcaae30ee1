import { Code, ConnectError } from "@connectrpc/connect";
import { summarisePhase, type PhaseSummary } from "./stats.js";

/** When a phase ends: after a time, or after a number of operations (bounded by a time anyway). */
export type PhaseLimit = { readonly seconds: number } | { readonly operations: number; readonly maxSeconds: number };

/** Options for {@link runClosedLoop}. */
export interface ClosedLoopOptions {
  /** Concurrent clients, each with one call in flight at a time. */
  readonly clients: number;
  readonly limit: PhaseLimit;
  /**
   * One operation of client `client`, its `sequence`-th overall. A rejection
   * counts as an error under its gRPC code (`ConnectError.from`), and the
   * client goes on with its next operation.
   */
  readonly operation: (client: number, sequence: number) => Promise<unknown>;
  /** Called with the first error of each code, for the log. */
  readonly onFirstError?: (code: string, error: ConnectError) => void;
}

/** The gRPC code name of a failure, in the lower-case form of the protocol (`failed_precondition`). */
export function codeName(error: ConnectError): string {
  return (Code[error.code] ?? String(error.code)).replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/**
 * Drives a closed-loop load: `clients` workers each start their next
 * operation as soon as the previous one settles, until the limit is reached;
 * operations in flight at the deadline finish and are counted. Latency is
 * measured per successful operation with `performance.now()`.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<PhaseSummary> {
  const latencies: number[] = [];
  const errorsByCode: Record<string, number> = {};
  const started = performance.now();
  const limit = options.limit;
  const deadline = started + 1000 * ("seconds" in limit ? limit.seconds : limit.maxSeconds);
  const budget = "operations" in limit ? limit.operations : Number.POSITIVE_INFINITY;
  let issued = 0;

  async function worker(client: number): Promise<void> {
    while (issued < budget && performance.now() < deadline) {
      const sequence = issued++;
      const begin = performance.now();
      try {
        await options.operation(client, sequence);
        latencies.push(performance.now() - begin);
      } catch (err) {
        const error = ConnectError.from(err);
        const code = codeName(error);
        if (errorsByCode[code] === undefined) options.onFirstError?.(code, error);
        errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
      }
    }
  }

  await Promise.all(Array.from({ length: options.clients }, (_, client) => worker(client)));
  return summarisePhase(latencies, errorsByCode, (performance.now() - started) / 1000);
}
