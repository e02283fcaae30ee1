import { randomBytes } from "node:crypto";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import amqp from "amqplib";
import { Redis } from "ioredis";
import { dropDatabase, withDatabase } from "../../platform/db/index.js";
import type { Interceptor } from "@connectrpc/connect";
import { audienceKey, createInternalAuthClientInterceptor } from "../../platform/internal-auth/index.js";
import { externalCallers } from "../../platform/mesh/call-graph.js";
import { databases, processes } from "../../platform/mesh/catalogue.js";
import { randomSuffix, testInfrastructure } from "../../platform/testing/index.js";
import { meshDatabaseName } from "../../scripts/start/mesh-env.js";
import { buildDist } from "../../scripts/build/build-dist.js";
import { BUILD_DIR } from "../../platform/mesh/build-output.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A mesh started by the real `npm start` entry point, on shifted ports and throw-away databases. */
export interface StartedMesh {
  readonly offset: number;
  /** The MESH_NAME it runs under: prefix of its databases, Redis keys, exchange and queues. */
  readonly name: string;
  /**
   * Signs calls as `callerId` (a service of the catalogue, or an external
   * caller such as `payments`) with a test key the mesh's receivers list under
   * that caller, beside the key of the caller's own process. With `claim`,
   * the call claims that caller id instead while signing with `callerId`'s
   * key (an impersonation the receivers must refuse). With `heldBy`, it
   * signs with what that receiving service holds of `callerId`'s key (the key
   * derived for it) instead of the secret: the most a receiver could try.
   */
  signer(callerId: string, options?: { claim?: string; heldBy?: string }): Interceptor;
  readonly child: ChildProcess;
  /** Everything the start script printed so far. */
  output(): string;
  /** The URL of one of the mesh's databases, e.g. `databaseUrl("ledger")`. */
  databaseUrl(owner: string): string;
  /** The pid of a process's current child, as the start script last reported it. */
  pidOf(processName: string): number;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Drops the databases, Redis keys, queues and exchanges of this mesh. */
  cleanup(): Promise<void>;
}

/** Whether nothing listens on 127.0.0.1:port right now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Ports handed to meshes of this test process, which may not listen yet. */
const claimedPorts = new Set<number>();

/**
 * A PORT_OFFSET under which every port of the catalogue is free, below the
 * ephemeral range so outgoing connections do not take them meanwhile.
 */
async function pickFreeOffset(): Promise<number> {
  // The catalogue's ports, the local provider sink's (SMTP 1025, HTTP 1026) and the local SIEM sink's (HTTP 1027).
  const ports = [...processes.flatMap((p) => [p.grpcPort, p.adminPort]).filter((p): p is number => p !== undefined), 1025, 1026, 1027];
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = 10_000 + Math.floor(Math.random() * 1_200) * 10;
    const shifted = ports.map((port) => port + offset);
    if (shifted.some((port) => claimedPorts.has(port))) continue;
    const free = await Promise.all(shifted.map((port) => portIsFree(port)));
    if (free.every(Boolean)) {
      shifted.forEach((port) => claimedPorts.add(port));
      return offset;
    }
  }
  throw new Error("found no PORT_OFFSET with every mesh port free");
}

/**
 * Runs `scripts/start/main.ts` as `npm start` does, with PORT_OFFSET set so a
 * mesh already running on the default ports is not disturbed, and resolves
 * once it printed its table of ready processes.
 */
export async function startMesh(
  options: {
    timeoutMs?: number;
    /** Variables for the start script, e.g. limits, or URLs of proxies in front of the mesh's own ports. */
    env?: NodeJS.ProcessEnv | ((offset: number) => NodeJS.ProcessEnv | Promise<NodeJS.ProcessEnv>);
    /** Run `npm run build` first and start every process from it (MESH_FROM_BUILD=1). */
    fromBuild?: boolean;
  } = {},
): Promise<StartedMesh> {
  const infra = await testInfrastructure();
  if (options.fromBuild) await buildDist({ root: repoRoot, outDir: path.join(repoRoot, BUILD_DIR) });
  const offset = await pickFreeOffset();
  const name = `test-mesh-${randomSuffix()}`;
  // One test key per caller, key id "test"; npm start adds them to the keys of its own processes.
  const testCallers = [...new Set([...processes.map((p) => p.service), ...Object.values(externalCallers)])];
  const testKeys: Record<string, Record<string, string>> = Object.fromEntries(testCallers.map((caller) => [caller, { test: randomBytes(32).toString("hex") }]));
  const extraEnv = typeof options.env === "function" ? await options.env(offset) : options.env;
  // The mesh derives its databases, Redis prefixes, exchange and queues from MESH_NAME.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.endsWith("_DATABASE_URL")));
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "scripts/start/main.ts")], {
    env: {
      ...inherited,
      MESH_NAME: name,
      PORT_OFFSET: String(offset),
      INTERNAL_AUTH_CALLER_KEYS: JSON.stringify(testKeys),
      POSTGRES_URL: infra.postgresUrl,
      REDIS_URL: infra.redisUrl,
      AMQP_URL: infra.amqpUrl,
      NO_COLOR: "1",
      ...(options.fromBuild ? { MESH_FROM_BUILD: "1" } : {}),
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  const mesh: StartedMesh = {
    offset,
    name,
    signer(callerId, options = {}) {
      const secret = testKeys[callerId]?.test;
      if (!secret) throw new Error(`the test mesh has no key for caller "${callerId}"`);
      return createInternalAuthClientInterceptor({ callerId: options.claim ?? callerId, keyId: "test", secret: options.heldBy ? audienceKey(secret, options.heldBy) : secret });
    },
    child,
    output: () => output,
    databaseUrl(owner) {
      const entry = databases.find((d) => d.owner === owner);
      if (!entry) throw new Error(`no database is owned by ${owner}`);
      return withDatabase(infra.postgresUrl, meshDatabaseName(entry.localName, name));
    },
    pidOf(processName) {
      const lines = [...output.matchAll(new RegExp(`^mesh ${processName} (?:started|restarted \\(restart \\d+\\)), pid (\\d+)$`, "gm"))];
      const pid = Number(lines.at(-1)?.[1]);
      if (!pid) throw new Error(`the mesh reported no pid for ${processName}`);
      return pid;
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGINT");
      return exited;
    },
    async cleanup() {
      await Promise.all(databases.map((d) => dropDatabase(mesh.databaseUrl(d.owner))));
      await deleteRedisKeys(infra.redisUrl, `${name}:`);
      await deleteBrokerState(`${name}.`);
    },
  };

  const deadline = Date.now() + (options.timeoutMs ?? 240_000);
  while (!output.includes("Ctrl-C stops everything")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await mesh.stop();
      await mesh.cleanup();
      throw new Error(`the mesh did not start (exit code ${child.exitCode ?? "none: stopped"}):\n${output.slice(-4_000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return mesh;
}

async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1_000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

const run = promisify(execFile);

/**
 * Deletes the queues and exchanges whose names start with `prefix`. Their
 * names depend on each consumer's retry delays, so they are listed rather
 * than derived; `rabbitmqctl` is on the machine that runs the broker here.
 */
async function deleteBrokerState(prefix: string): Promise<void> {
  const list = async (what: "queues" | "exchanges") => {
    const { stdout } = await run("rabbitmqctl", ["-q", `list_${what}`, "--no-table-headers", "name"]);
    return stdout.split("\n").map((line) => line.trim()).filter((line) => line.startsWith(prefix));
  };
  try {
    const [queues, exchanges] = [await list("queues"), await list("exchanges")];
    if (queues.length + exchanges.length === 0) return;
    const connection = await amqp.connect((await testInfrastructure()).amqpUrl);
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
    await connection.close();
  } catch {
    // No rabbitmqctl (a broker in a container): what is left is named after the mesh.
  }
}
