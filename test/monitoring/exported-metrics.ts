/**
 * What a process's registry exports, read from its `/metrics` text: every
 * `# TYPE <name> <type>` line (prom-client prints one for each registered
 * metric, even before its first sample), expanded to the series names a
 * query can select (a histogram's `_bucket`, `_sum`, `_count`).
 */
export function metricNamesOf(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = match as unknown as [string, string, string];
    if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix);
    else if (type === "summary") for (const suffix of ["", "_sum", "_count"]) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}

/** Fetches `url` (a process's admin `/metrics`) and returns the names it exports. */
export async function scrapeMetricNames(url: string): Promise<Set<string>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return metricNamesOf(await res.text());
}

/**
 * Series Prometheus itself writes for every scrape target, whatever the
 * process exports (https://prometheus.io/docs/concepts/jobs_instances/).
 */
export const SCRAPE_SERIES: ReadonlySet<string> = new Set(["up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added"]);
