import { readFile } from "node:fs/promises";
import { round } from "./stats.js";

/** CPU used during a phase, in cores (1 = one core busy the whole time): where the time went. */
export interface CpuUse {
  /** This bench process (the load generator). */
  readonly benchClientCores: number;
  /** The service under test, from its `/metrics` `process_cpu_seconds_total`. */
  readonly serviceCores?: number;
  /** Every process on the machine (Linux `/proc/stat`), out of `machineCores`. */
  readonly machineBusyCores?: number;
}

/** A CPU reading to subtract from a later one. */
interface CpuSample {
  readonly at: number;
  readonly client: NodeJS.CpuUsage;
  readonly service?: number;
  readonly machine?: { busy: number; total: number; cores: number };
}

/** `process_cpu_seconds_total` from a Prometheus text page; undefined when absent. */
export function parseProcessCpuSeconds(metrics: string): number | undefined {
  const match = /^process_cpu_seconds_total(?:\{[^}]*\})? ([\d.eE+-]+)$/m.exec(metrics);
  return match ? Number(match[1]) : undefined;
}

/** A service's Prometheus text page from its admin port; undefined when it cannot be read. */
export async function readMetricsPage(adminUrl: string | undefined): Promise<string | undefined> {
  if (!adminUrl) return undefined;
  try {
    const response = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

async function serviceCpuSeconds(adminUrl: string | undefined): Promise<number | undefined> {
  const page = await readMetricsPage(adminUrl);
  return page === undefined ? undefined : parseProcessCpuSeconds(page);
}

/** Busy and total jiffies of all CPUs from `/proc/stat` (Linux), with the core count. */
async function machineJiffies(): Promise<CpuSample["machine"]> {
  try {
    const text = await readFile("/proc/stat", "utf8");
    const fields = /^cpu\s+(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number);
    if (!fields || fields.length < 5) return undefined;
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = fields[3]! + fields[4]!; // idle + iowait
    const cores = (text.match(/^cpu\d+\s/gm) ?? []).length;
    return { busy: total - idle, total, cores };
  } catch {
    return undefined;
  }
}

/** Starts measuring; call the returned function at the end of the phase. */
export async function startCpuMeter(serviceAdminUrl?: string): Promise<() => Promise<CpuUse>> {
  const sample = async (): Promise<CpuSample> => ({
    at: performance.now(),
    client: process.cpuUsage(),
    service: await serviceCpuSeconds(serviceAdminUrl),
    machine: await machineJiffies(),
  });
  const before = await sample();
  return async () => {
    const after = await sample();
    const seconds = (after.at - before.at) / 1000;
    const clientSeconds = (after.client.user + after.client.system - before.client.user - before.client.system) / 1e6;
    const use: { -readonly [K in keyof CpuUse]: CpuUse[K] } = { benchClientCores: round(clientSeconds / seconds) };
    if (before.service !== undefined && after.service !== undefined) use.serviceCores = round((after.service - before.service) / seconds);
    if (before.machine && after.machine && after.machine.total > before.machine.total) {
      const share = (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total);
      use.machineBusyCores = round(share * after.machine.cores);
    }
    return use;
  };
}
