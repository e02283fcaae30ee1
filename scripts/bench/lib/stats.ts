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

/**
 * Unit figures of a phase whose operations each carry several units of work
 * (a CreateTransfers call and its transfers): the rate a batch is judged by
 * is units per second, not calls per second.
 */
export interface UnitsSummary {
  /** Units done by successful operations. */
  readonly units: number;
  /** Units done per second of the phase. */
  readonly perSecond: number;
  /** Units refused inside successful operations, all codes together. */
  readonly errors: number;
  /** Refused units by gRPC code name. */
  readonly errorsByCode: Readonly<Record<string, number>>;
}

/** Summarises the units of a phase from the units done, the refused ones by code and the phase's length. */
export function summariseUnits(units: number, errorsByCode: Readonly<Record<string, number>>, elapsedSeconds: number): UnitsSummary {
  return {
    units,
    perSecond: round(elapsedSeconds > 0 ? units / elapsedSeconds : 0, 1),
    errors: Object.values(errorsByCode).reduce((sum, n) => sum + n, 0),
    errorsByCode: { ...errorsByCode },
  };
}

/**
 * CPU milliseconds a process spent per unit of work: `cores * 1000 /
 * perSecond`, 3 decimals. Null when the cores are unknown (the service's
 * `/metrics` did not answer) or nothing was done, so a missing figure never
 * reads as free.
 */
export function cpuMsPerUnit(cores: number | undefined, perSecond: number): number | null {
  if (cores === undefined || !(perSecond > 0)) return null;
  return round((cores * 1000) / perSecond, 3);
}

/** A target in a bench's JSON: the goal, whether it is a ceiling, and whether the run met it (null: the figure is missing). */
export type TargetCheck = { readonly target: number; readonly met: boolean | null } | { readonly target: number; readonly atMost: true; readonly met: boolean | null };

/**
 * Checks a figure against its target: `at-least` for rates and ratios (the
 * default), `at-most` for costs (CPU per unit), marked `atMost: true` so the
 * JSON says which way the target points.
 */
export function checkTarget(value: number | null | undefined, target: number, direction: "at-least" | "at-most" = "at-least"): TargetCheck {
  const met = value === null || value === undefined ? null : direction === "at-least" ? value >= target : value <= target;
  return direction === "at-most" ? { target, atMost: true, met } : { target, met };
}
