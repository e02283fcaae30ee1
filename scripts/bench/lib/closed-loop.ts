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
  /**
   * The key a failure is counted under; default its gRPC code name. Benches
   * of non-gRPC paths (the REST edge) count by HTTP status instead. Returning
   * undefined falls back to the code name.
   */
  readonly errorKey?: (error: unknown) => string | undefined;
}

/** The gRPC code name of a failure, in the lower-case form of the protocol (`failed_precondition`). */
export function codeName(error: ConnectError): string {
  return (Code[error.code] ?? String(error.code)).replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/** What one closed-loop run observed, before summarising: runs can be merged (interleaved slices). */
export interface RawPhase {
  /** Latency of each successful operation, milliseconds, in completion order. */
  readonly latenciesMs: number[];
  readonly errorsByCode: Record<string, number>;
  readonly elapsedSeconds: number;
}

/**
 * Drives a closed-loop load: `clients` workers each start their next
 * operation as soon as the previous one settles, until the limit is reached;
 * operations in flight at the deadline finish and are counted. Latency is
 * measured per successful operation with `performance.now()`.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<PhaseSummary> {
  const raw = await runClosedLoopRaw(options);
  return summarisePhase(raw.latenciesMs, raw.errorsByCode, raw.elapsedSeconds);
}

/** {@link runClosedLoop} without the summary: the latencies and errors themselves. */
export async function runClosedLoopRaw(options: ClosedLoopOptions): Promise<RawPhase> {
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
        const code = options.errorKey?.(err) ?? codeName(error);
        if (errorsByCode[code] === undefined) options.onFirstError?.(code, error);
        errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
      }
    }
  }

  await Promise.all(Array.from({ length: options.clients }, (_, client) => worker(client)));
  return { latenciesMs: latencies, errorsByCode, elapsedSeconds: (performance.now() - started) / 1000 };
}

/** Merges runs (slices of one phase) into one summary: all latencies, summed errors and time. */
export function summariseRuns(runs: readonly RawPhase[]): PhaseSummary {
  const errorsByCode: Record<string, number> = {};
  for (const run of runs) for (const [code, n] of Object.entries(run.errorsByCode)) errorsByCode[code] = (errorsByCode[code] ?? 0) + n;
  return summarisePhase(
    runs.flatMap((run) => run.latenciesMs),
    errorsByCode,
    runs.reduce((sum, run) => sum + run.elapsedSeconds, 0),
  );
}
