import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { databaseNameOf, dropDatabase, ensureDatabase, withDatabase } from "../../../platform/db/index.js";
import { randomSuffix } from "../../../platform/testing/unique-name.js";
import { round } from "./stats.js";

const execFileAsync = promisify(execFile);

/** Options for {@link runPgbenchTpcb}. */
export interface PgbenchOptions {
  /** Any database URL on the server to measure; a throw-away database is created beside it. */
  readonly postgresUrl: string;
  readonly clients: number;
  /** pgbench worker threads (`-j`). */
  readonly threads: number;
  readonly seconds: number;
  /** Scale factor of `pgbench -i` (100 000 accounts per unit). */
  readonly scale: number;
  readonly log: (message: string) => void;
  /** The pgbench executable; default `pgbench` on the PATH. */
  readonly executable?: string;
}

/** What a pgbench run reported. */
export interface PgbenchResult {
  readonly script: "tpcb-like";
  readonly tps: number;
  readonly latencyAverageMs?: number;
  readonly transactions?: number;
  readonly failed?: number;
  readonly clients: number;
  readonly threads: number;
  readonly seconds: number;
  readonly scale: number;
  readonly version: string;
}

/** pgbench's version line (`pgbench (PostgreSQL) 15.4`), or undefined when it is not installed. */
export async function pgbenchVersion(executable = "pgbench"): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync(executable, ["--version"]);
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** The figures in pgbench's summary; throws when the tps line is missing. */
export function parsePgbenchOutput(text: string): { tps: number; latencyAverageMs?: number; transactions?: number; failed?: number } {
  const tps = /^tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/m.exec(text);
  if (!tps) throw new Error("pgbench printed no tps line");
  const latency = /^latency average = ([\d.]+) ms/m.exec(text);
  const processed = /^number of transactions actually processed: (\d+)/m.exec(text);
  const failed = /^number of failed transactions: (\d+)/m.exec(text);
  return {
    tps: Number(tps[1]),
    ...(latency ? { latencyAverageMs: Number(latency[1]) } : {}),
    ...(processed ? { transactions: Number(processed[1]) } : {}),
    ...(failed ? { failed: Number(failed[1]) } : {}),
  };
}

/** Connection arguments and environment for pgbench from a postgres:// URL. */
export function pgbenchConnection(url: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const args = ["-h", parsed.hostname.replace(/^\[|\]$/g, ""), "-p", parsed.port || "5432"];
  if (parsed.username) args.push("-U", decodeURIComponent(parsed.username));
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
  return { args, env };
}

/** Runs pgbench, resolving with its stdout and stderr; rejects with both on a non-zero exit. */
function runPgbench(executable: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`pgbench ${args.join(" ")} exited with ${code}:\n${output.slice(-2_000)}`));
    });
  });
}

/**
 * Measures PostgreSQL's own transaction rate on the same server: creates a
 * throw-away database, `pgbench -i` at `scale` (server-side data generation),
 * then `pgbench -b tpcb-like -c clients -j threads -T seconds`, and drops the
 * database whatever happens.
 */
export async function runPgbenchTpcb(options: PgbenchOptions): Promise<PgbenchResult> {
  const executable = options.executable ?? "pgbench";
  const version = (await pgbenchVersion(executable)) ?? "unknown";
  const url = withDatabase(options.postgresUrl, `bench_pgbench_${randomSuffix()}`);
  const database = databaseNameOf(url);
  const { args: connection, env } = pgbenchConnection(url);
  await ensureDatabase(url);
  try {
    options.log(`pgbench: initialising ${database} at scale ${options.scale}`);
    await runPgbench(executable, [...connection, "-i", "-I", "dtGvp", "-q", "-s", String(options.scale), database], env);
    options.log(`pgbench: tpcb-like, ${options.clients} clients, ${options.threads} threads, ${options.seconds} s`);
    const output = await runPgbench(
      executable,
      [...connection, "-b", "tpcb-like", "-c", String(options.clients), "-j", String(options.threads), "-T", String(options.seconds), "-n", database],
      env,
    );
    const figures = parsePgbenchOutput(output);
    return {
      script: "tpcb-like",
      ...figures,
      tps: round(figures.tps, 1),
      clients: options.clients,
      threads: options.threads,
      seconds: options.seconds,
      scale: options.scale,
      version,
    };
  } finally {
    await dropDatabase(url);
  }
}
