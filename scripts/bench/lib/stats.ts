/** Latency and throughput figures of one measured phase. */
export interface PhaseSummary {
  /** Successful operations. */
  readonly operations: number;
  /** Failed operations, all codes together. */
  readonly errors: number;
  /** Failed operations by gRPC code name (`aborted`, `failed_precondition`...). */
  readonly errorsByCode: Readonly<Record<string, number>>;
  /** Wall-clock length of the phase. */
  readonly elapsedSeconds: number;
  /** Successful operations per second. */
  readonly perSecond: number;
  /** Latency of successful operations, milliseconds, 2 decimals. */
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly mean: number; readonly max: number };
}

/**
 * The `p`-th percentile (0-100) of ascending `sorted` values by the
 * nearest-rank method: the smallest value with at least p% of the values at
 * or below it. NaN for no values.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** Rounds to `digits` decimals (figures in JSON stay readable). */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Summarises a phase from its latencies (ms, any order), error counts and length. */
export function summarisePhase(latenciesMs: readonly number[], errorsByCode: Readonly<Record<string, number>>, elapsedSeconds: number): PhaseSummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  const total = sorted.reduce((sum, value) => sum + value, 0);
  const errors = Object.values(errorsByCode).reduce((sum, n) => sum + n, 0);
  return {
    operations: sorted.length,
    errors,
    errorsByCode: { ...errorsByCode },
    elapsedSeconds: round(elapsedSeconds, 3),
    perSecond: round(elapsedSeconds > 0 ? sorted.length / elapsedSeconds : 0, 1),
    latencyMs: {
      p50: round(percentile(sorted, 50)),
      p90: round(percentile(sorted, 90)),
      p99: round(percentile(sorted, 99)),
      mean: round(sorted.length ? total / sorted.length : Number.NaN),
      max: round(sorted.length ? sorted[sorted.length - 1]! : Number.NaN),
    },
  };
}

/** `numerator / denominator` rounded to 3 decimals; null when either is missing or zero. */
export function ratio(numerator: number | undefined, denominator: number | undefined): number | null {
  if (!numerator || !denominator) return null;
  return round(numerator / denominator, 3);
}
