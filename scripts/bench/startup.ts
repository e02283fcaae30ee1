/**
 * `npm run bench:startup`: what each process of the catalogue costs to start
 * and to keep idle, from the production build (`node dist/...js`) against
 * tsx (`node --import tsx ...ts`), measured in the same run.
 *
 * Builds `dist/` first, creates and migrates a throw-away mesh's databases
 * (its own MESH_NAME, so its Redis keys and queues are its own), then starts
 * every process alone, once per runner and run, alternating which runner goes
 * first: the environment `npm start` gives it, free loopback ports. Start-up
 * is the wall time from spawn to the first 200 from `/readyz` and the CPU time
 * the process used by then; idle RSS is VmRSS after `--idle-seconds` of
 * nothing. Figures are medians over `--runs`; ratios are build / tsx. The
 * compass target is an idle RSS under 120 MB per process.
 *
 * Prints one JSON object on stdout; progress goes to stderr.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import amqp from "amqplib";
import { Redis } from "ioredis";
import { dropDatabase, migrateServiceDatabase } from "../../platform/db/index.js";
import { BUILD_DIR, builtEntryOf } from "../../platform/mesh/build-output.js";
import { databases, processes, type ProcessEntry } from "../../platform/mesh/catalogue.js";
import { resolveInfrastructureFromEnv, type Infrastructure } from "../../platform/testing/infrastructure.js";
import { randomSuffix } from "../../platform/testing/unique-name.js";
import { buildDist } from "../build/build-dist.js";
import { internalAuthEnvOf, meshCallerSecrets, meshStateNames, sharedMeshEnv } from "../start/mesh-env.js";
import type { CallerKeys } from "../../platform/internal-auth/index.js";
import { commonHelp, intFlag, parseBenchArgs } from "./lib/args.js";
import { describeMachine } from "./lib/machine.js";
import { createBenchLog, emitResult, runBench } from "./lib/output.js";
import { repoRoot, startServiceProcess } from "./lib/service-process.js";
import { ratio, round } from "./lib/stats.js";

const log = createBenchLog("startup");

/** The compass target for one idle process. */
const TARGET_IDLE_RSS_MB = 120;

const HELP = `npm run bench:startup -- [flags]

Start-up time and idle RSS of every process of the catalogue, from the production build
against tsx, each process started alone. JSON on stdout, progress on stderr.

  --runs N             starts per process and runner; figures are medians (default 3)
  --idle-seconds S     idle time before RSS is read (default 5)
  --process NAME       only these processes (comma-separated; default all)
  --node-args FLAGS    node flags for both runners, e.g. "--max-semi-space-size=2"
${commonHelp}
  (the common flags are accepted and ignored)`;

const runners = ["tsx", "build"] as const;
type Runner = (typeof runners)[number];

/** One start of one process. */
interface Sample {
  readonly startupMs: number;
  readonly cpuMsToReady: number;
  readonly idleRssMB: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** The process's resident set (VmRSS) in MB (10^6 bytes, as the target is stated). */
async function rssMB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return (kB * 1024) / 1e6;
}

/** User plus system CPU time the process has used, in ms. */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command (which may hold spaces) start at state, field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

async function startOnce(entry: ProcessEntry, runner: Runner, env: NodeJS.ProcessEnv, idleSeconds: number, nodeArgs: string[]): Promise<Sample> {
  const file = runner === "build" ? path.join(BUILD_DIR, builtEntryOf(entry)) : path.join("services", entry.service, entry.entry);
  const started = performance.now();
  const service = await startServiceProcess({ name: `${entry.name} (${runner})`, entry: file, env, nodeArgs, readyTimeoutMs: 120_000, log });
  const startupMs = performance.now() - started;
  try {
    const cpuMsToReady = await cpuMs(service.pid);
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    return { startupMs, cpuMsToReady, idleRssMB: await rssMB(service.pid) };
  } finally {
    await service.stop();
  }
}

/** The environment `npm start` gives `entry`, with sinks that receive nothing (an idle process sends nothing). */
function processEnv(shared: NodeJS.ProcessEnv, secrets: CallerKeys, entry: ProcessEntry): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ...shared,
    ...internalAuthEnvOf(secrets, entry),
    LOG_LEVEL: "warn",
    NOTIFICATION_SMTP_URL: "smtp://127.0.0.1:9",
    NOTIFICATION_SMS_URL: "http://127.0.0.1:9/sms",
    NOTIFICATION_PUSH_URL: "http://127.0.0.1:9/push",
    AUDIT_EXPORT_WEBHOOK_URL: "http://127.0.0.1:9/webhook",
    AUDIT_EXPORT_SIGNING_SECRET: `whsec_${Buffer.alloc(32, 7).toString("base64")}`,
  };
}

async function main(): Promise<number> {
  const { help, values } = parseBenchArgs(process.argv.slice(2), {
    runs: { type: "string", default: "3" },
    "idle-seconds": { type: "string", default: "5" },
    process: { type: "string" },
    "node-args": { type: "string", default: "" },
  });
  if (help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const runs = intFlag("runs", values.runs as string, 1, 50);
  const idleSeconds = intFlag("idle-seconds", values["idle-seconds"] as string, 0, 600);
  const nodeArgs = (values["node-args"] as string).split(/\s+/).filter(Boolean);
  const only = (values.process as string | undefined)?.split(",").map((name) => name.trim());
  const selected = only ? processes.filter((p) => only.includes(p.name)) : [...processes];
  if (only && selected.length !== only.length) throw new Error(`unknown process in --process ${only.join(",")}`);

  const buildStarted = performance.now();
  const { files } = await buildDist({ root: repoRoot, outDir: path.join(repoRoot, BUILD_DIR) });
  const buildMs = performance.now() - buildStarted;
  log(`built ${files.filter((f) => f.endsWith(".js")).length} modules in ${Math.round(buildMs)} ms`);

  const infra = await resolveInfrastructureFromEnv();
  const mesh = { name: `bench-startup-${randomSuffix()}`, offset: 0 };
  const shared = sharedMeshEnv(infra, { NODE_ENV: "development" }, mesh);
  const secrets = meshCallerSecrets(processes, {});
  try {
    for (const database of databases) await migrateServiceDatabase(database, shared[database.env]!);
    const perProcess: Record<string, unknown> = {};
    const buildRss: number[] = [];
    for (const entry of selected) {
      const samples: Record<Runner, Sample[]> = { tsx: [], build: [] };
      for (let run = 0; run < runs; run++) {
        const order = (run + selected.indexOf(entry)) % 2 === 0 ? runners : ([...runners].reverse() as Runner[]);
        for (const runner of order) samples[runner].push(await startOnce(entry, runner, processEnv(shared, secrets, entry), idleSeconds, nodeArgs));
      }
      const figures = Object.fromEntries(
        runners.map((runner) => [
          runner,
          {
            startupMs: round(median(samples[runner].map((s) => s.startupMs)), 0),
            cpuMsToReady: round(median(samples[runner].map((s) => s.cpuMsToReady)), 0),
            idleRssMB: round(median(samples[runner].map((s) => s.idleRssMB)), 1),
          },
        ]),
      ) as Record<Runner, Sample>;
      buildRss.push(figures.build.idleRssMB);
      perProcess[entry.name] = {
        ...figures,
        buildOverTsx: {
          startup: round(ratio(figures.build.startupMs, figures.tsx.startupMs) ?? NaN, 2),
          cpuToReady: round(ratio(figures.build.cpuMsToReady, figures.tsx.cpuMsToReady) ?? NaN, 2),
          idleRss: round(ratio(figures.build.idleRssMB, figures.tsx.idleRssMB) ?? NaN, 2),
        },
      };
      log(`${entry.name}: ${JSON.stringify(perProcess[entry.name])}`);
    }
    emitResult({
      bench: "startup",
      runs,
      idleSeconds,
      nodeArgs,
      node: process.version,
      buildMs: round(buildMs, 0),
      targetIdleRssMB: TARGET_IDLE_RSS_MB,
      maxBuildIdleRssMB: Math.max(...buildRss),
      everyProcessUnderTarget: buildRss.every((rss) => rss < TARGET_IDLE_RSS_MB),
      processes: perProcess,
      machine: await describeMachine(infra.postgresUrl),
    });
    return 0;
  } finally {
    await cleanUp(infra, shared, mesh.name);
    await infra.stop();
  }
}

/** Drops the throw-away databases, Redis keys and RabbitMQ queues and exchanges of the bench's mesh. */
async function cleanUp(infra: Infrastructure, shared: NodeJS.ProcessEnv, name: string): Promise<void> {
  await Promise.all(databases.map((d) => dropDatabase(shared[d.env]!).catch(() => {})));
  const redis = new Redis(infra.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${name}:*`, "COUNT", 1_000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  try {
    // Queue names depend on each consumer's retry delays: list them (rabbitmqctl is beside the local broker).
    const list = async (what: string) =>
      (await promisify(execFile)("rabbitmqctl", ["-q", `list_${what}`, "--no-table-headers", "name"])).stdout.split("\n").map((l) => l.trim()).filter((l) => l.startsWith(`${name}.`));
    const [queues, exchanges] = [await list("queues"), await list("exchanges")];
    const connection = await amqp.connect(infra.amqpUrl);
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of [...exchanges, meshStateNames(name).OUTBOX_EXCHANGE!]) await channel.deleteExchange(exchange);
    await connection.close();
  } catch (err) {
    log(`left RabbitMQ state named ${name}.*: ${(err as Error).message}`);
  }
}

runBench(main, log);
