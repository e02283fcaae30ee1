import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, for spawning entry points. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Asks the OS for a free TCP port on loopback (free when asked; a bench can live with the race). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Options for {@link startServiceProcess}. */
export interface ServiceProcessOptions {
  /** Name for messages, e.g. `ledger`. */
  readonly name: string;
  /**
   * Entry point relative to the repository root, e.g. `services/ledger/src/main.ts`
   * (run through tsx) or `dist/services/ledger/src/main.js` (the build's, run by plain node).
   */
  readonly entry: string;
  /** The whole environment of the child (GRPC_PORT and ADMIN_PORT are added). */
  readonly env: NodeJS.ProcessEnv;
  /** Extra node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
  readonly nodeArgs?: readonly string[];
  /** How long to wait for `/readyz`; default 60 s. */
  readonly readyTimeoutMs?: number;
  readonly log: (message: string) => void;
}

/** A service running as its own process, as in production. */
export interface ServiceProcess {
  /** `http://127.0.0.1:<grpc port>` */
  readonly url: string;
  readonly adminUrl: string;
  readonly pid: number;
  /** The last lines the process wrote, for error messages. */
  recentOutput(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Lines of child output kept for error messages. */
const KEPT_LINES = 40;

/**
 * Starts a mesh service's entry point (TypeScript with tsx, JavaScript with plain node) on free loopback ports and
 * waits until its `/readyz` answers 200. Its output is kept (not printed)
 * so a failure can show it; the process is killed if it does not get ready.
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const [grpcPort, adminPort] = [await freePort(), await freePort()];
  const loader = options.entry.endsWith(".ts") ? ["--import", "tsx"] : [];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...loader, path.join(repoRoot, options.entry)], {
    cwd: repoRoot,
    env: { ...options.env, HOST: "127.0.0.1", GRPC_PORT: String(grpcPort), ADMIN_PORT: String(adminPort) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(line);
    if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));

  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const recentOutput = () => lines.join("\n");
  const stop = async (graceMs = 15_000) => {
    if (gone) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (!gone && Date.now() < deadline) {
    try {
      const response = await fetch(`${adminUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) {
        options.log(`${options.name} ready on ${grpcPort} (admin ${adminPort}), pid ${child.pid}`);
        return { url: `http://127.0.0.1:${grpcPort}`, adminUrl, pid: child.pid!, recentOutput, stop };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop(2_000);
  throw new Error(`${options.name} did not become ready${gone ? " (it exited)" : ""}; its last output:\n${recentOutput()}`);
}
