/**
 * How a fuzz run numbers and draws its requests, as pure arithmetic: edge
 * requests are #0 to #runs-1, gRPC calls go on from #runs; each phase is
 * drawn in chunks of {@link CHUNK} from a seed of its own, so one index
 * names one request of one chunk, and `--only` replays it by drawing that
 * chunk again and sending just that request.
 */
import fc from "fast-check";

/** Requests per fast-check sample. Changing it changes every run's requests. */
export const CHUNK = 250;
/** gRPC chunks are drawn from `seed + GRPC_SEED_OFFSET + chunk`, apart from the edge's `seed + chunk`. */
export const GRPC_SEED_OFFSET = 1_000_000;

/** What fixes a run's requests. */
export interface FuzzPlan {
  /** Requests to the edge. */
  readonly runs: number;
  /** Calls straight at the gRPC servers. */
  readonly grpcRuns: number;
  readonly seed: number;
}

/** The gRPC calls of a run that does not say: a quarter as many as edge requests. */
export const defaultGrpcRuns = (runs: number): number => Math.ceil(runs / 4);

/** One fast-check sample of a run. */
export interface FuzzDraw {
  readonly phase: "edge" | "grpc";
  /** The sample's seed. */
  readonly seed: number;
  /** How many requests it draws (the last chunk of a phase may be short). */
  readonly count: number;
  /** The index of its first request. */
  readonly firstIndex: number;
}

/** Every sample of `plan`, edge then gRPC, in the order they are sent. */
export function fuzzDraws(plan: FuzzPlan): FuzzDraw[] {
  const phase = (name: FuzzDraw["phase"], total: number, seed: number, firstIndex: number) =>
    Array.from({ length: Math.ceil(total / CHUNK) }, (_, chunk) => ({
      phase: name,
      seed: seed + chunk,
      count: Math.min(CHUNK, total - chunk * CHUNK),
      firstIndex: firstIndex + chunk * CHUNK,
    }));
  return [...phase("edge", plan.runs, plan.seed, 0), ...phase("grpc", plan.grpcRuns, plan.seed + GRPC_SEED_OFFSET, plan.runs)];
}

/** The sample holding request `index` of `plan` and its position in it; undefined when `index` names no request of the run. */
export function drawHolding(plan: FuzzPlan, index: number): { readonly draw: FuzzDraw; readonly position: number } | undefined {
  if (!Number.isInteger(index) || index < 0) return undefined;
  const draw = fuzzDraws(plan).find((d) => index >= d.firstIndex && index < d.firstIndex + d.count);
  return draw && { draw, position: index - draw.firstIndex };
}

/** Thrown before anything starts when `--only` names no request of the run. */
export class FuzzIndexError extends RangeError {
  constructor(plan: FuzzPlan, index: number) {
    const grpc = plan.grpcRuns > 0 ? `, gRPC calls #${plan.runs} to #${plan.runs + plan.grpcRuns - 1}` : ", no gRPC calls";
    super(`--only ${index} names no request of this run: with --runs ${plan.runs} its edge requests are #0 to #${plan.runs - 1}${grpc} (give the --runs of the run that found it)`);
    this.name = "FuzzIndexError";
  }
}

/** Requests of one sample, each with its index. */
export type DrawnBatch<E, G> =
  | { readonly phase: "edge"; readonly items: ReadonlyArray<{ readonly index: number; readonly value: E }> }
  | { readonly phase: "grpc"; readonly items: ReadonlyArray<{ readonly index: number; readonly value: G }> };

/**
 * The requests of `plan`, one batch per sample, drawn lazily (a chunk's
 * bodies can be large); with `only`, the one batch holding that index with
 * just that request, drawn exactly as the whole run draws it.
 * @throws FuzzIndexError when `only` names no request of the run.
 */
export function* drawBatches<E, G>(plan: FuzzPlan, arbitraries: { readonly edge: fc.Arbitrary<E>; readonly grpc: fc.Arbitrary<G> }, only?: number): Generator<DrawnBatch<E, G>> {
  const held = only === undefined ? undefined : drawHolding(plan, only);
  if (only !== undefined && !held) throw new FuzzIndexError(plan, only);
  for (const draw of held ? [held.draw] : fuzzDraws(plan)) {
    const pick = <T>(values: T[]) => {
      const items = values.map((value, i) => ({ index: draw.firstIndex + i, value }));
      return held ? [items[held.position]!] : items;
    };
    if (draw.phase === "edge") yield { phase: "edge", items: pick(fc.sample(arbitraries.edge, { numRuns: draw.count, seed: draw.seed })) };
    else yield { phase: "grpc", items: pick(fc.sample(arbitraries.grpc, { numRuns: draw.count, seed: draw.seed })) };
  }
}
