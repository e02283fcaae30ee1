/**
 * `npm run bench`: runs every benchmark in `scripts/bench/` one after the
 * other and prints one JSON object keyed by bench name.
 *
 * A bench is any `scripts/bench/<name>.ts` other than this file: a script that
 * prints one JSON object on stdout, logs on stderr, and exits 0 (done), 2 (the
 * system under test cannot be benchmarked yet) or 1 (failed). New benches
 * (identity, edge, risk) slot in by adding their file. Each runs in its own
 * process, so one bench's servers and event loop never disturb another's.
 *
 *   npm run bench                          # every bench
 *   npm run bench -- --only ledger         # some of them (comma-separated)
 *   npm run bench -- --clients 16          # other flags go to every bench
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { discoverBenches, splitOnly } from "./lib/discover.js";
import { createBenchLog, emitResult, EXIT_UNAVAILABLE } from "./lib/output.js";

const log = createBenchLog("all");
const benchDir = path.dirname(fileURLToPath(import.meta.url));

/** Runs one bench script; its stderr passes through, its stdout is parsed. */
function runBench(file: string, args: readonly string[]): Promise<unknown> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", file, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.on("error", (err) => resolve({ error: err.message, exitCode: null }));
    child.on("close", (exitCode) => {
      if (exitCode === 0) {
        try {
          resolve(JSON.parse(stdout));
        } catch {
          resolve({ error: "the bench printed no JSON object", exitCode });
        }
        return;
      }
      resolve({
        error: exitCode === EXIT_UNAVAILABLE ? "not benchmarkable yet (see its log)" : "the bench failed (see its log)",
        unavailable: exitCode === EXIT_UNAVAILABLE,
        exitCode,
      });
    });
  });
}

async function main(): Promise<number> {
  const { only, rest } = splitOnly(process.argv.slice(2));
  const benches = await discoverBenches(benchDir);
  const unknown = (only ?? []).filter((name) => !benches.has(name));
  if (unknown.length > 0) {
    log(`unknown bench ${unknown.join(", ")}; present: ${[...benches.keys()].join(", ")}`);
    return 1;
  }
  const results: Record<string, unknown> = {};
  for (const [name, file] of benches) {
    if (only && !only.includes(name)) continue;
    log(`running ${name}`);
    results[name] = await runBench(file, rest);
  }
  emitResult(results);
  const failures = Object.values(results).filter((r): r is { unavailable: boolean } => typeof r === "object" && r !== null && "error" in r);
  if (failures.length === 0) return 0;
  return failures.every((f) => f.unavailable) ? EXIT_UNAVAILABLE : 1;
}

process.exitCode = await main();
