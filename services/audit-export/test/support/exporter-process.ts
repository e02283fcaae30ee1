/**
 * Test support: the exporter's real entry point as its own process
 * (`node --import tsx services/audit-export/src/main.ts`), configured through
 * its environment against a scene's backoffice, database and sink, with its
 * admin port read from its start-up line and its output kept.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { testInfrastructure } from "#platform/testing/index.js";
import { EXPORTER_KEY } from "./backoffice-audit-log.js";
import type { ExportScene } from "./exporter-scene.js";
import { seriesValue } from "./exporter-scene.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

/** A spawned exporter. */
export interface ExporterProcess {
  readonly child: ChildProcess;
  readonly adminPort: number;
  /** Everything it wrote to stdout and stderr. */
  output(): string;
  metric(series: string): Promise<number | undefined>;
  /** Resolves with the exit code or signal once it has exited. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** SIGKILL, and waits for the exit. */
  kill9(): Promise<void>;
}

/** Starts the entry point with small intervals; `env` adds or overrides variables. */
export async function spawnExporter(scene: ExportScene, env: NodeJS.ProcessEnv = {}): Promise<ExporterProcess> {
  const infra = await testInfrastructure();
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "services/audit-export/src/main.ts")], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      ADMIN_PORT: "0",
      LOG_LEVEL: "debug",
      REDIS_URL: infra.redisUrl,
      INTERNAL_AUTH_MODE: "hmac",
      ...EXPORTER_KEY,
      AUDIT_EXPORT_DATABASE_URL: scene.database.url,
      BACKOFFICE_URL: scene.backoffice.url,
      AUDIT_EXPORT_WEBHOOK_URL: scene.sink.url,
      AUDIT_EXPORT_SIGNING_SECRET: scene.signingSecret,
      AUDIT_EXPORT_INTERVAL: "25ms",
      AUDIT_EXPORT_BACKOFF_BASE: "10ms",
      AUDIT_EXPORT_BACKOFF_MAX: "100ms",
      AUDIT_EXPORT_BATCH_SIZE: "10",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));
  const adminPort = await new Promise<number>((resolve, reject) => {
    const look = () => {
      const match = /"adminPort":(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout!.on("data", look);
    void exited.then((code) => reject(new Error(`the exporter exited with ${code} before it was up:\n${output}`)));
  });
  return {
    child,
    adminPort,
    output: () => output,
    async metric(series) {
      try {
        return seriesValue(await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text(), series);
      } catch {
        return undefined; // killed meanwhile
      }
    },
    exited,
    async kill9() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}
