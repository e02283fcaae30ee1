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

/**
 * Runs a bench's `main` as the process: its resolved number is the exit code;
 * a usage error prints one line, an unavailable target exits 2, anything else
 * prints its stack and exits 1. Idle HTTP/2 sessions, keep-alive sockets or
 * pools must not keep a finished bench alive, so the process ends 5 s later
 * at the latest.
 */
export function runBench(main: () => Promise<number>, log: (message: string) => void): void {
  main()
    .then((code) => (process.exitCode = code))
    .catch((err: unknown) => {
      if (err instanceof BenchUsageError) {
        log(`${err.message} (see --help)`);
        process.exitCode = 1;
      } else if (err instanceof BenchUnavailableError) {
        log(`unavailable: ${err.message}`);
        process.exitCode = EXIT_UNAVAILABLE;
      } else {
        log(`failed: ${(err as Error)?.stack ?? String(err)}`);
        process.exitCode = 1;
      }
    })
    .finally(() => setTimeout(() => process.exit(), 5_000).unref());
}
