/**
 * `npm run bench:transport`: what the gRPC stacks themselves cost on this
 * machine, before any service code runs: the floor under every service's
 * latency, and the reason behind the risk bench's p99 (issue #6).
 *
 * Each server is its own process (scripts/bench/lib/transport-server.ts)
 * answering grpc.health.v1.Health/Check and nothing else, on a raw
 * node:http2 handler, @grpc/grpc-js or connect-node (no interceptors). Two
 * clients call them from this process: a raw node:http2 client sending one
 * gRPC frame, and connect-node's gRPC transport. Each pairing runs the same
 * open loop (`--rate` calls per second for `--seconds`, latency from the
 * scheduled send time) after a warm-up, and the server reports its GC pauses.
 * Pairings run one after the other, `--rounds` times, so figures of one run
 * compare with each other.
 *
 * Prints one JSON object on stdout (ratios against the raw floor included);
 * progress on stderr. Exit 0 on a completed run, 1 on failure.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http2 from "node:http2";
import path from "node:path";
import readline from "node:readline";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { intFlag, parseBenchArgs } from "./lib/args.js";
import { describeMachine } from "./lib/machine.js";
import { runOpenLoop, type OpenLoopResult } from "./lib/open-loop.js";
import { createBenchLog, emitResult, runBench } from "./lib/output.js";
import { repoRoot } from "./lib/service-process.js";
import { ratio, round } from "./lib/stats.js";
import type { TransportStack } from "./lib/transport-stacks.js";

const log = createBenchLog("transport");

const HELP = `npm run bench:transport -- [flags]

Health/Check over raw node:http2, @grpc/grpc-js and connect-node servers, called by a raw
HTTP/2 client and by connect-node, open loop at a fixed rate.

  --rate N             calls per second (default 200)
  --seconds S          length of each measured run (default 10)
  --warmup-seconds S   unmeasured calls before each run (default 2)
  --rounds N           times every pairing runs (default 1)`;

type ClientStack = "raw" | "connect";

/** Client → server pairings, in the order they run. */
const pairings: ReadonlyArray<{ client: ClientStack; server: TransportStack }> = [
  { client: "raw", server: "raw" },
  { client: "raw", server: "grpc-js" },
  { client: "raw", server: "connect" },
  { client: "connect", server: "grpc-js" },
  { client: "connect", server: "connect" },
];

/** A server process and the first line it printed. */
interface ServerProcess {
  readonly port: number;
  /** Stops the server; answers its GC pauses while it ran. */
  stop(): Promise<{ count: number; totalMs: number; maxMs: number }>;
}

async function startServer(stack: TransportStack): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "scripts/bench/lib/transport-server.ts"), stack], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`the ${stack} server exited before listening`);
  const { port } = JSON.parse(first.value) as { port: number };
  return {
    port,
    async stop() {
      child.kill("SIGTERM");
      const last = await lines.next();
      return last.done ? { count: 0, totalMs: 0, maxMs: 0 } : (JSON.parse(last.value) as { gc: { count: number; totalMs: number; maxMs: number } }).gc;
    },
  };
}

/** A unary call function of the given client stack against `port`, and its cleanup. */
function createCaller(client: ClientStack, port: number): { call: () => Promise<unknown>; close: () => void } {
  if (client === "connect") {
    const health = createClient(Health, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
    return { call: () => health.check({}), close: () => {} };
  }
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const emptyRequest = Buffer.alloc(5); // one gRPC frame holding an empty HealthCheckRequest
  const call = () =>
    new Promise<void>((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": "/grpc.health.v1.Health/Check", "content-type": "application/grpc", te: "trailers" });
      stream.on("error", reject);
      stream.on("trailers", (trailers) => (trailers["grpc-status"] === "0" ? undefined : reject(new Error(`grpc-status ${trailers["grpc-status"]}`))));
      stream.resume();
      stream.on("end", () => resolve());
      stream.end(emptyRequest);
    });
  return { call, close: () => session.close() };
}

/** One pairing's measured run. */
async function measure(pairing: { client: ClientStack; server: TransportStack }, args: { rate: number; seconds: number; warmupSeconds: number }) {
  const server = await startServer(pairing.server);
  const caller = createCaller(pairing.client, server.port);
  try {
    if (args.warmupSeconds > 0) await runOpenLoop({ ratePerSecond: args.rate, seconds: args.warmupSeconds, operation: caller.call });
    const run: OpenLoopResult = await runOpenLoop({ ratePerSecond: args.rate, seconds: args.seconds, operation: caller.call });
    const gc = await server.stop();
    log(`${pairing.client} → ${pairing.server}: p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms; server GC ${gc.count} pauses, ${round(gc.totalMs, 1)} ms`);
    return {
      client: pairing.client,
      server: pairing.server,
      callsPerSecond: run.perSecond,
      errors: run.errors,
      latencyMs: run.latencyMs,
      startLagMs: run.startLagMs,
      serverGc: { pauses: gc.count, totalMs: round(gc.totalMs, 1), maxMs: round(gc.maxMs, 2) },
    };
  } finally {
    caller.close();
  }
}

async function main(): Promise<number> {
  const { common, help, values } = parseBenchArgs(process.argv.slice(2), {
    rate: { type: "string", default: "200" },
    rounds: { type: "string", default: "1" },
  });
  if (help) {
    process.stderr.write(`${HELP}\n`);
    return 0;
  }
  const rate = intFlag("rate", values.rate as string, 1, 100_000);
  const rounds = intFlag("rounds", values.rounds as string, 1, 20);
  const seconds = "seconds" in common.limit ? common.limit.seconds : 10;
  const runs: Array<Awaited<ReturnType<typeof measure>> & { round: number }> = [];
  for (let round = 1; round <= rounds; round++) {
    for (const pairing of pairings) runs.push({ round, ...(await measure(pairing, { rate, seconds, warmupSeconds: common.warmupSeconds })) });
  }
  const p99 = (client: ClientStack, server: TransportStack, round: number) =>
    runs.find((r) => r.client === client && r.server === server && r.round === round)?.latencyMs.p99;
  emitResult({
    bench: "transport",
    startedAt: new Date().toISOString(),
    machine: await describeMachine(),
    parameters: { rate, seconds, warmupSeconds: common.warmupSeconds, rounds, rpc: "grpc.health.v1.Health/Check" },
    runs,
    // Per round: how many times the raw floor's p99 each stack costs.
    p99Ratios: Array.from({ length: rounds }, (_, i) => ({
      round: i + 1,
      grpcJsServerOverRaw: ratio(p99("raw", "grpc-js", i + 1), p99("raw", "raw", i + 1)),
      connectServerOverRaw: ratio(p99("raw", "connect", i + 1), p99("raw", "raw", i + 1)),
      connectClientOverRawClient: ratio(p99("connect", "grpc-js", i + 1), p99("raw", "grpc-js", i + 1)),
      connectBothEndsOverRaw: ratio(p99("connect", "connect", i + 1), p99("raw", "raw", i + 1)),
    })),
  });
  return 0;
}

runBench(main, log);
