/**
 * `npm run fuzz`: the fuzz suite's long form (test/fuzz/run-fuzz.ts). Prints
 * its figures and findings as JSON; exits 1 when any answer was wrong, 2 on
 * a usage error (an `--only` index that names no request of the run among them).
 *
 *   npm run fuzz -- --runs 20000                 # a new seed, printed
 *   npm run fuzz -- --runs 20000 --seed 42       # the same requests again
 *   npm run fuzz -- --runs 20000 --seed 42 --only 1234   # one finding again, edge or gRPC
 */
import { parseArgs } from "node:util";
import { FuzzIndexError, runFuzz, type FuzzReport } from "../../test/fuzz/run-fuzz.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "2000" },
    seed: { type: "string" },
    only: { type: "string" },
    concurrency: { type: "string", default: "4" },
  },
});

function wholeNumber(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be a whole number of at least ${min}, got "${raw}"`);
    process.exit(2);
  }
  return n;
}

const runs = wholeNumber("runs", values.runs, 1);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : wholeNumber("seed", values.seed, 0);
const only = values.only === undefined ? undefined : wholeNumber("only", values.only, 0);
let report: FuzzReport;
try {
  report = await runFuzz({
    runs,
    seed,
    concurrency: wholeNumber("concurrency", values.concurrency, 1),
    ...(only === undefined ? {} : { only }),
    log: (line) => process.stderr.write(`fuzz: ${line}\n`),
  });
} catch (err) {
  // A replay of nothing must not pass silently: the index is refused before the mesh starts.
  if (!(err instanceof FuzzIndexError)) throw err;
  console.error(err.message);
  process.exit(2);
}
const withBigInts = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value);
process.stdout.write(JSON.stringify({ ...report.figures, findings: report.findings.slice(0, 50) }, withBigInts, 2) + "\n");
if (report.findings.length > 0) process.stderr.write(`fuzz: replay one with: npm run fuzz -- --runs ${runs} --seed ${seed} --only <index>\n`);
process.exit(report.findings.length === 0 ? 0 : 1);
