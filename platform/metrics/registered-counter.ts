import { Counter, type Registry } from "prom-client";

/** Options of {@link registeredCounter}. */
export interface RegisteredCounterOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  /** The counter's one label. */
  readonly label: L;
  /** Values of the label that get a series at 0 from the start, so rates and alerts work before the first event. */
  readonly values: readonly string[];
}

/**
 * The counter `name` of `registry`: registered on the first call, the same
 * counter on later calls for that registry (two components of one process
 * may ask for it), with a series at 0 for each of `values`.
 */
export function registeredCounter<L extends string>(registry: Registry, options: RegisteredCounterOptions<L>): Counter<L> {
  const existing = registry.getSingleMetric(options.name) as Counter<L> | undefined;
  if (existing) return existing;
  const counter = new Counter<L>({ name: options.name, help: options.help, labelNames: [options.label], registers: [registry] });
  for (const value of options.values) counter.inc({ [options.label]: value } as Partial<Record<L, string>>, 0);
  return counter;
}
