import { ConnectError } from "@connectrpc/connect";
import { codeName, type RawPhase } from "./closed-loop.js";
import { percentile, round, summarisePhase, type PhaseSummary } from "./stats.js";

/** Options for {@link runOpenLoop}. */
export interface OpenLoopOptions {
  /** Arrivals per second, on a fixed schedule (one every 1000/rate ms). */
  readonly ratePerSecond: number;
  /** Length of the schedule; operations in flight at its end finish and are counted. */
  readonly seconds: number;
  /**
   * Operation `sequence` (0-based). Started at its scheduled time whether or
   * not earlier ones have answered; a rejection counts as an error under its
   * gRPC code (`ConnectError.from`).
   */
  readonly operation: (sequence: number) => Promise<unknown>;
  /** Called with the first error of each code, for the log. */
  readonly onFirstError?: (code: string, error: ConnectError) => void;
  /** The key a failure is counted under; default (and on undefined) its gRPC code name. */
  readonly errorKey?: (error: unknown) => string | undefined;
  /**
   * The generator sleeps with `setTimeout` until this close to the next
   * arrival, then yields with `setImmediate` (timers alone fire up to ~1 ms
   * late, which would show as latency). Default 1.5 ms.
   */
  readonly spinMs?: number;
}

/** What an open-loop run observed: latency from the scheduled start, and what hides behind it. */
export interface OpenLoopResult extends PhaseSummary {
  /** The arrival rate asked for. */
  readonly targetPerSecond: number;
  /** Operations started (successes + errors, in flight at the end included). */
  readonly issued: number;
  /**
   * Latency from the actual start of each call (what a closed-loop client
   * would see), beside `latencyMs`, which counts from the scheduled start so
   * that queueing in the generator or the service is not hidden (coordinated
   * omission).
   */
  readonly serviceTimeMs: PhaseSummary["latencyMs"];
  /** How late calls started against their schedule: the generator's own share of the latency. */
  readonly startLagMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Most calls in flight at once. */
  readonly maxInFlight: number;
}

/**
 * Drives an open-loop load: operation `i` is due at `start + i * 1000/rate`
 * and starts then (or as soon as the event loop can, when late) regardless of
 * how many earlier calls are still waiting. Latency of a successful call is
 * measured from its due time, so a stall of the service counts against every
 * call that should have been sent during it (Gil Tene's coordinated omission).
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const interval = 1000 / options.ratePerSecond;
  const total = Math.max(1, Math.round(options.ratePerSecond * options.seconds));
  const spinMs = options.spinMs ?? 1.5;
  const latencies: number[] = [];
  const serviceTimes: number[] = [];
  const lags: number[] = [];
  const errorsByCode: Record<string, number> = {};
  let inFlight = 0;
  let maxInFlight = 0;
  const calls: Promise<void>[] = [];

  const fire = async (sequence: number, due: number): Promise<void> => {
    const begin = performance.now();
    lags.push(begin - due);
    inFlight++;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    try {
      await options.operation(sequence);
      const end = performance.now();
      latencies.push(end - due);
      serviceTimes.push(end - begin);
    } catch (err) {
      const error = ConnectError.from(err);
      const code = options.errorKey?.(err) ?? codeName(error);
      if (errorsByCode[code] === undefined) options.onFirstError?.(code, error);
      errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
    } finally {
      inFlight--;
    }
  };

  const started = performance.now();
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < total && started + next * interval <= now) {
        calls.push(fire(next, started + next * interval));
        next++;
      }
      if (next >= total) return resolve();
      const wait = started + next * interval - performance.now();
      if (wait > spinMs) setTimeout(tick, wait - spinMs);
      else setImmediate(tick);
    };
    tick();
  });
  await Promise.all(calls);
  const elapsedSeconds = (performance.now() - started) / 1000;

  const raw: RawPhase = { latenciesMs: latencies, errorsByCode, elapsedSeconds };
  const summary = summarisePhase(raw.latenciesMs, raw.errorsByCode, raw.elapsedSeconds);
  const sortedLags = Float64Array.from(lags).sort();
  return {
    ...summary,
    targetPerSecond: options.ratePerSecond,
    issued: calls.length,
    serviceTimeMs: summarisePhase(serviceTimes, {}, elapsedSeconds).latencyMs,
    startLagMs: {
      p50: round(percentile(sortedLags, 50)),
      p99: round(percentile(sortedLags, 99)),
      max: round(sortedLags.length ? sortedLags[sortedLags.length - 1]! : Number.NaN),
    },
    maxInFlight,
  };
}
