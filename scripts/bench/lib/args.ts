import { parseArgs, type ParseArgsConfig } from "node:util";
import type { PhaseLimit } from "./closed-loop.js";
import { BenchUsageError } from "./output.js";

/** Flags every bench understands (`npm run bench -- --clients 16` passes them to each). */
export const commonFlags = {
  clients: { type: "string", default: "32" },
  seconds: { type: "string", default: "10" },
  operations: { type: "string" },
  "warmup-seconds": { type: "string", default: "2" },
  "max-seconds": { type: "string", default: "120" },
  "pgbench-scale": { type: "string" },
  "pgbench-threads": { type: "string", default: "2" },
  "no-pgbench": { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

/** The common flags, parsed and checked. */
export interface CommonBenchArgs {
  readonly clients: number;
  /** Length of each measured phase. */
  readonly limit: PhaseLimit;
  readonly warmupSeconds: number;
  /** pgbench's scale factor; default the client count (pgbench's advice: scale at least clients). */
  readonly pgbenchScale: number;
  readonly pgbenchThreads: number;
  readonly pgbench: boolean;
}

/** Help text for the common flags. */
export const commonHelp = `  --clients N          concurrent clients (default 32)
  --seconds S          length of each measured phase (default 10)
  --operations N       run N operations per phase instead (bounded by --max-seconds, default 120)
  --warmup-seconds S   unmeasured warm-up before the phases (default 2)
  --pgbench-scale N    pgbench -i scale factor (default: the client count)
  --pgbench-threads N  pgbench -j (default 2)
  --no-pgbench         skip the pgbench baseline`;

/** A whole number within bounds, or an error naming the flag. */
export function intFlag(name: string, raw: string | undefined, min: number, max: number): number {
  const value = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || value < min || value > max) {
    throw new BenchUsageError(`--${name} must be a whole number from ${min} to ${max}, got ${raw === undefined ? "nothing" : `"${raw}"`}`);
  }
  return value;
}

/**
 * Parses argv with the common flags plus `extra`; strict (an unknown flag is
 * an error, so a typo never silently runs the defaults).
 */
export function parseBenchArgs<const Extra extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], extra: Extra) {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...commonFlags, ...extra }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new BenchUsageError((err as Error).message);
  }
  const v = values as Record<string, string | boolean | undefined>;
  const clients = intFlag("clients", v.clients as string, 1, 1_000);
  const maxSeconds = intFlag("max-seconds", v["max-seconds"] as string, 1, 3_600);
  const limit: PhaseLimit =
    v.operations !== undefined
      ? { operations: intFlag("operations", v.operations as string, 1, 100_000_000), maxSeconds }
      : { seconds: intFlag("seconds", v.seconds as string, 1, 3_600) };
  const common: CommonBenchArgs = {
    clients,
    limit,
    warmupSeconds: intFlag("warmup-seconds", v["warmup-seconds"] as string, 0, 600),
    pgbenchScale: v["pgbench-scale"] === undefined ? clients : intFlag("pgbench-scale", v["pgbench-scale"] as string, 1, 10_000),
    pgbenchThreads: intFlag("pgbench-threads", v["pgbench-threads"] as string, 1, 256),
    pgbench: !v["no-pgbench"],
  };
  return { common, help: Boolean(v.help), values: v };
}
