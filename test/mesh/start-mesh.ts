import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { dropDatabase, withDatabase } from "../../platform/db/index.js";
import { databases, processes } from "../../platform/mesh/catalogue.js";
import { randomSuffix, testInfrastructure } from "../../platform/testing/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A mesh started by the real `npm start` entry point, on shifted ports and throw-away databases. */
export interface StartedMesh {
  readonly offset: number;
  /** The INTERNAL_AUTH_SECRET the mesh's processes sign and verify with. */
  readonly internalAuthSecret: string;
  readonly child: ChildProcess;
  /** Everything the start script printed so far. */
  output(): string;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Drops the databases made for this mesh. */
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

/**
 * A PORT_OFFSET under which every port of the catalogue is free, below the
 * ephemeral range so outgoing connections do not take them meanwhile.
 */
async function pickFreeOffset(): Promise<number> {
  // The catalogue's ports and the local provider sink's (SMTP 1025, HTTP 1026).
  const ports = [...processes.flatMap((p) => [p.grpcPort, p.adminPort]).filter((p): p is number => p !== undefined), 1025, 1026];
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = 10_000 + Math.floor(Math.random() * 1_200) * 10;
    const free = await Promise.all(ports.map((port) => portIsFree(port + offset)));
    if (free.every(Boolean)) return offset;
  }
  throw new Error("found no PORT_OFFSET with every mesh port free");
}

/**
 * Runs `scripts/start/main.ts` as `npm start` does, with PORT_OFFSET set so a
 * mesh already running on the default ports is not disturbed, and resolves
 * once it printed its table of ready processes.
 */
export async function startMesh(options: { timeoutMs?: number } = {}): Promise<StartedMesh> {
  const infra = await testInfrastructure();
  const offset = await pickFreeOffset();
  const suffix = randomSuffix();
  const internalAuthSecret = randomBytes(32).toString("hex");
  const databaseEnv = Object.fromEntries(
    databases.map((d) => [d.env, withDatabase(infra.postgresUrl, `test_mesh_${suffix}_${d.owner.replace(/-/g, "_")}`)]),
  );
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "scripts/start/main.ts")], {
    env: { ...process.env, ...databaseEnv, PORT_OFFSET: String(offset), INTERNAL_AUTH_SECRET: internalAuthSecret, POSTGRES_URL: infra.postgresUrl, REDIS_URL: infra.redisUrl, AMQP_URL: infra.amqpUrl, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  const mesh: StartedMesh = {
    offset,
    internalAuthSecret,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill("SIGINT");
      return exited;
    },
    async cleanup() {
      await Promise.all(Object.values(databaseEnv).map((url) => dropDatabase(url)));
    },
  };

  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (!output.includes("Ctrl-C stops everything")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await mesh.stop();
      await mesh.cleanup();
      throw new Error(`the mesh did not start:\n${output.slice(-4_000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return mesh;
}
