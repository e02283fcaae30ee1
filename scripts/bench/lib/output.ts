/**
 * Output discipline of the benchmarks: progress and diagnostics go to stderr,
 * stdout carries exactly one JSON document, so `npm run bench:ledger > out.json`
 * and `| jq` work.
 */

/** Writes a progress line to stderr, prefixed with the bench's name. */
export function createBenchLog(bench: string): (message: string) => void {
  return (message) => process.stderr.write(`[bench:${bench}] ${message}\n`);
}

/** JSON text of a result: bigints as strings, two-space indentation. */
export function resultJson(result: unknown): string {
  return JSON.stringify(result, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value), 2);
}

/** Prints the one JSON document on stdout. */
export function emitResult(result: unknown): void {
  process.stdout.write(`${resultJson(result)}\n`);
}

/**
 * A failure the bench reports as such (exit code 2): the system under test
 * cannot run the benchmark yet (an RPC answers Unimplemented, a server is
 * missing), as opposed to a crash of the bench itself (exit code 1).
 */
export class BenchUnavailableError extends Error {
  override readonly name = "BenchUnavailableError";
}

/** Exit code of a bench whose target is not benchmarkable yet. */
export const EXIT_UNAVAILABLE = 2;

/** A bad flag: reported as one line with a pointer to --help, no stack. */
export class BenchUsageError extends Error {
  override readonly name = "BenchUsageError";
}
