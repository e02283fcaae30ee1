import { Code, ConnectError } from "@connectrpc/connect";
import { summarisePhase, summariseUnits, type PhaseSummary, type UnitsSummary } from "./stats.js";

/** When a phase ends: after a time, or after a number of operations (bounded by a time anyway). */
export type PhaseLimit = { readonly seconds: number } | { readonly operations: number; readonly maxSeconds: number };

/**
 * What one successful operation did when it carries several units of work
 * (a CreateTransfers call and its transfers).
 */
export interface OperationUnits {
  /** Units done: what the phase's unit rate counts. */
  readonly done: number;
  /** Units the operation refused, each an error under its gRPC code rather than a unit done. */
  readonly refused?: readonly ConnectError[];
}

/** Options for {@link runClosedLoop}; `T` is what an operation resolves to. */
export interface ClosedLoopOptions<T = unknown> {
  /** Concurrent clients, each with one call in flight at a time. */
  readonly clients: number;
  readonly limit: PhaseLimit;
  /**
   * One operation of client `client`, its `sequence`-th overall. A rejection
   * counts as an error under its gRPC code (`ConnectError.from`), and the
   * client goes on with its next operation.
   */
  readonly operation: (client: number, sequence: number) => Promise<T>;
  /** Called with the first error of each code, for the log. */
  readonly onFirstError?: (code: string, error: ConnectError) => void;
  /**
   * The key a failure is counted under; default its gRPC code name. Benches
   * of non-gRPC paths (the REST edge) count by HTTP status instead. Returning
   * undefined falls back to the code name.
   */
  readonly errorKey?: (error: unknown) => string | undefined;
  /**
   * For operations carrying several units (a batch call): the units a
   * successful operation did and refused. Given, the summary gains `units`
   * (units done per second, refused units by code) beside the per-operation
   * figures; latency stays per operation. Without it nothing changes.
   */
  readonly unitsOf?: (result: T) => OperationUnits;
  /** Called with the first refused unit of each code, for the log (with {@link unitsOf}). */
  readonly onFirstRefusal?: (code: string, error: ConnectError) => void;
}

/** What a phase counted in units, before summarising (with {@link ClosedLoopOptions.unitsOf}). */
export interface RawUnits {
  readonly done: number;
  readonly errorsByCode: Record<string, number>;
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
  /** Present when the run counted units ({@link ClosedLoopOptions.unitsOf}). */
  readonly units?: RawUnits;
}

/**
 * Drives a closed-loop load: `clients` workers each start their next
 * operation as soon as the previous one settles, until the limit is reached;
 * operations in flight at the deadline finish and are counted. Latency is
 * measured per successful operation with `performance.now()`.
 */
export async function runClosedLoop<T>(options: ClosedLoopOptions<T> & { readonly unitsOf: (result: T) => OperationUnits }): Promise<PhaseSummary & { readonly units: UnitsSummary }>;
export async function runClosedLoop<T>(options: ClosedLoopOptions<T>): Promise<PhaseSummary>;
export async function runClosedLoop<T>(options: ClosedLoopOptions<T>): Promise<PhaseSummary & { readonly units?: UnitsSummary }> {
  const raw = await runClosedLoopRaw(options);
  const summary = summarisePhase(raw.latenciesMs, raw.errorsByCode, raw.elapsedSeconds);
  return raw.units ? { ...summary, units: summariseUnits(raw.units.done, raw.units.errorsByCode, raw.elapsedSeconds) } : summary;
}

/** {@link runClosedLoop} without the summary: the latencies and errors themselves. */
export async function runClosedLoopRaw<T>(options: ClosedLoopOptions<T>): Promise<RawPhase> {
  const latencies: number[] = [];
  const errorsByCode: Record<string, number> = {};
  const started = performance.now();
  const limit = options.limit;
  const deadline = started + 1000 * ("seconds" in limit ? limit.seconds : limit.maxSeconds);
  const budget = "operations" in limit ? limit.operations : Number.POSITIVE_INFINITY;
  let issued = 0;
  const units = options.unitsOf ? { done: 0, errorsByCode: {} as Record<string, number> } : undefined;

  /** Adds a successful operation's units and refusals. */
  function countUnits(result: T): void {
    if (!units || !options.unitsOf) return;
    const { done, refused = [] } = options.unitsOf(result);
    units.done += done;
    for (const error of refused) {
      const code = codeName(error);
      if (units.errorsByCode[code] === undefined) options.onFirstRefusal?.(code, error);
      units.errorsByCode[code] = (units.errorsByCode[code] ?? 0) + 1;
    }
  }

  async function worker(client: number): Promise<void> {
    while (issued < budget && performance.now() < deadline) {
      const sequence = issued++;
      const begin = performance.now();
      try {
        const result = await options.operation(client, sequence);
        latencies.push(performance.now() - begin);
        countUnits(result);
      } catch (err) {
        const error = ConnectError.from(err);
        const code = options.errorKey?.(err) ?? codeName(error);
        if (errorsByCode[code] === undefined) options.onFirstError?.(code, error);
        errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
      }
    }
  }

  await Promise.all(Array.from({ length: options.clients }, (_, client) => worker(client)));
  const elapsedSeconds = (performance.now() - started) / 1000;
  return units ? { latenciesMs: latencies, errorsByCode, elapsedSeconds, units } : { latenciesMs: latencies, errorsByCode, elapsedSeconds };
}

/** Merges runs (slices of one phase) into one summary: all latencies, summed errors and time (not units: no caller slices a unit-counted phase). */
export function summariseRuns(runs: readonly RawPhase[]): PhaseSummary {
  const errorsByCode: Record<string, number> = {};
  for (const run of runs) for (const [code, n] of Object.entries(run.errorsByCode)) errorsByCode[code] = (errorsByCode[code] ?? 0) + n;
  return summarisePhase(
    runs.flatMap((run) => run.latenciesMs),
    errorsByCode,
    runs.reduce((sum, run) => sum + run.elapsedSeconds, 0),
  );
}
