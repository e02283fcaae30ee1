import type { ProcessEntry } from "../../platform/mesh/catalogue.js";
import { SCRAPE_SERIES } from "./exported-metrics.js";
import type { SourcedExpression } from "./monitoring-assets.js";
import { parsePromql, type LabelMatcher } from "./promql.js";

/** The labels by which an expression names a process: `service` (every registry's default label) and `process` (the scrape config's target label). */
const PROCESS_LABELS = new Set(["service", "process"]);

/** Whether `matcher` accepts `value`, as Prometheus matches (regular expressions anchored at both ends). */
function accepts(matcher: LabelMatcher, value: string): boolean {
  switch (matcher.op) {
    case "=":
      return value === matcher.value;
    case "!=":
      return value !== matcher.value;
    case "=~":
      return new RegExp(`^(?:${matcher.value})$`).test(value);
    case "!~":
      return !new RegExp(`^(?:${matcher.value})$`).test(value);
  }
}

/**
 * Checks that every metric the expressions select is exported by a process
 * that may own it, given what each process's registry exports (`exported`:
 * process name → metric names, as scraped from its /metrics):
 *  - a selector naming processes by `service` or `process` (`=`, `!=`, `=~`,
 *    `!~`) must name at least one process of the catalogue, and the metric
 *    must be exported by one of those;
 *  - a metric prefixed by a service's name (`audit_export_`, `gateway_`,
 *    `ledger_`, `risk_`, `notification_`...) must be exported by a process of
 *    that service;
 *  - any other metric, by some process.
 * Series Prometheus writes for every target (`up`...) only need their
 * process selection to name a process. Returns one line per problem.
 */
export function metricOwnershipProblems(
  expressions: readonly SourcedExpression[],
  catalogue: readonly Pick<ProcessEntry, "name" | "service">[],
  exported: ReadonlyMap<string, ReadonlySet<string>>,
): string[] {
  const prefixes = [...new Set(catalogue.map((p) => p.service))]
    .map((service) => ({ service, prefix: `${service.replace(/-/g, "_")}_` }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const problems: string[] = [];
  for (const { source, expr } of expressions) {
    for (const { metric, matchers } of parsePromql(expr).selectors) {
      let candidates = catalogue.filter((p) => matchers.filter((m) => PROCESS_LABELS.has(m.label)).every((m) => accepts(m, p.name)));
      if (candidates.length === 0) {
        problems.push(`${metric} in ${source}: its ${matchers.filter((m) => PROCESS_LABELS.has(m.label)).map((m) => `${m.label}${m.op}"${m.value}"`).join(", ")} names no process of the mesh`);
        continue;
      }
      if (SCRAPE_SERIES.has(metric)) continue;
      const owner = prefixes.find((p) => metric.startsWith(p.prefix));
      if (owner) candidates = candidates.filter((p) => p.service === owner.service);
      if (candidates.some((p) => exported.get(p.name)?.has(metric))) continue;
      const elsewhere = catalogue.filter((p) => exported.get(p.name)?.has(metric)).map((p) => p.name);
      problems.push(
        `${metric} in ${source}: exported by none of ${candidates.map((p) => p.name).join(", ") || "(no process)"}` +
          (owner ? ` (the processes of ${owner.service}, by its prefix)` : "") +
          (elsewhere.length > 0 ? `; exported by ${elsewhere.join(", ")}` : "; exported by no process"),
      );
    }
  }
  return problems;
}
