/**
 * `npm start`: the whole mesh on one machine.
 *
 * Finds PostgreSQL, Redis and RabbitMQ (loopback, else testcontainers when
 * Docker answers, else says what to start), creates and migrates each
 * service's database, starts every service and worker as its own process with
 * prefixed logs, and prints what listens where. A process that exits on its
 * own is restarted with backoff; one that crash-loops (five restarts within a
 * minute) stops the mesh. Ctrl-C (or SIGTERM) stops everything gracefully.
 *
 * Without NOTIFICATION_SMTP_URL / _SMS_URL / _PUSH_URL, notifications go to a
 * local provider sink (SMTP on 1025, HTTP on 1026, plus PORT_OFFSET) whose
 * `GET /messages` shows what arrived. Without AUDIT_EXPORT_WEBHOOK_URL, the
 * audit exporter sends the backoffice audit log to a local SIEM sink (HTTP on
 * 1027, plus PORT_OFFSET) that checks each batch's signature with a secret
 * made for the run (or AUDIT_EXPORT_SIGNING_SECRET) and shows what arrived at
 * `GET /events`.
 *
 * Variables: PORT_OFFSET shifts every port (default 0); MESH_NAME names the
 * mesh's databases, Redis keys and RabbitMQ exchange and queues (default
 * `wallet`, or `wallet-<offset>` on shifted ports), so a second mesh shares
 * nothing with the first; *_DATABASE_URL, REDIS_URL and AMQP_URL point at
 * servers of your own; POSTGRES_URL is the server on which missing databases
 * are created; LOG_LEVEL applies to all. Every process gets a secret of its
 * own, made for the run; each server gets only the keys derived from its
 * callers' secrets for it (see docs on internal authentication);
 * INTERNAL_AUTH_CALLER_KEYS adds secrets of callers of your own (e.g. the
 * payments system's, `{"payments":{"k1":"<secret>"}}`), from which npm start
 * derives each receiver's key in the same way.
 * MESH_FROM_BUILD=1 runs every process from the production build (`npm run
 * build` first: `node dist/services/<service>/src/<entry>.js`, no TypeScript
 * loader) instead of through tsx.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrateServiceDatabase } from "../../platform/db/index.js";
import { BUILD_DIR, builtEntryOf } from "../../platform/mesh/build-output.js";
import type { CallerKeys } from "../../platform/internal-auth/index.js";
import { databases, processes, type ProcessEntry } from "../../platform/mesh/catalogue.js";
import { resolveInfrastructureFromEnv, type Infrastructure } from "../../platform/testing/infrastructure.js";
import { internalAuthEnvOf, meshCallerSecrets, meshIdentityFromEnv, portsOf, sharedMeshEnv, type MeshIdentity } from "./mesh-env.js";
import { paint } from "./log-format.js";
import { startProviderSink, type ProviderSink } from "./provider-sink.js";
import { startSiemSink, type SiemSink } from "./siem-sink.js";
import { DEFAULT_RESTART_POLICY } from "./restart-policy.js";
import { createSupervisor } from "./supervisor.js";
import { waitUntilReady } from "./wait-ready.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const say = (message: string) => process.stdout.write(`${paint(1, "mesh")} ${message}\n`);

let mesh: MeshIdentity;
try {
  mesh = meshIdentityFromEnv(process.env);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
const { offset } = mesh;

/** With MESH_FROM_BUILD=1, the processes run from the production build's JavaScript. */
const fromBuild = process.env.MESH_FROM_BUILD === "1";
const entryPathOf = (entry: ProcessEntry) =>
  fromBuild ? path.join(repoRoot, BUILD_DIR, builtEntryOf(entry)) : path.join(repoRoot, "services", entry.service, entry.entry);
if (fromBuild) {
  const missing = processes.filter((entry) => !existsSync(entryPathOf(entry)));
  if (missing.length > 0) {
    console.error(`MESH_FROM_BUILD=1: the build has no entry point for ${missing.map((entry) => entry.name).join(", ")}; run npm run build first`);
    process.exit(1);
  }
}

let infra: Infrastructure;
try {
  infra = await resolveInfrastructureFromEnv();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
say(`mesh "${mesh.name}", ports shifted by ${offset}${fromBuild ? `, processes from the build in ${BUILD_DIR}/` : ""}`);
say(`servers: postgres ${infra.sources.postgres}, redis ${infra.sources.redis}, rabbitmq ${infra.sources.amqp}`);

let shared: NodeJS.ProcessEnv;
let secrets: CallerKeys;
try {
  shared = sharedMeshEnv(infra, process.env, mesh);
  secrets = meshCallerSecrets(processes, process.env);
} catch (err) {
  console.error((err as Error).message);
  await infra.stop();
  process.exit(1);
}
for (const database of databases) {
  const url = shared[database.env]!;
  const { created, applied } = await migrateServiceDatabase(database, url, { onWarning: (m) => say(`${database.owner}: ${m}`) });
  say(`${database.owner}: ${created ? "created database, " : ""}${applied.length ? `applied ${applied.join(", ")}` : "schema up to date"}`);
}

// Email, SMS and push go to a local sink unless the user names real providers.
let sink: ProviderSink | undefined;
if (!process.env.NOTIFICATION_SMTP_URL && !process.env.NOTIFICATION_SMS_URL && !process.env.NOTIFICATION_PUSH_URL) {
  const [smtpPort, httpPort] = [1025 + offset, 1026 + offset];
  Object.assign(shared, {
    NOTIFICATION_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    NOTIFICATION_SMS_URL: `http://127.0.0.1:${httpPort}/sms`,
    NOTIFICATION_PUSH_URL: `http://127.0.0.1:${httpPort}/push`,
  });
  try {
    sink = await startProviderSink({ smtpPort, httpPort, log: (line) => say(`provider sink: ${line}`) });
  } catch (err) {
    // Most likely a mail catcher of the developer's own (MailHog, Mailpit) on those ports: leave it the messages.
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    say(`provider sink: port ${smtpPort} or ${httpPort} is taken; notifications go to whatever listens there`);
  }
}

// The audit log goes to a local SIEM sink unless the user names a real webhook.
let siem: SiemSink | undefined;
/** What the audit exporter alone is given: the sink's URL and the secret it checks. */
const auditExportEnv: NodeJS.ProcessEnv = {};
if (!process.env.AUDIT_EXPORT_WEBHOOK_URL) {
  const port = 1027 + offset;
  // A secret of the run, never printed; one of the user's own wins (the exporter would use it too).
  const signingSecret = process.env.AUDIT_EXPORT_SIGNING_SECRET || `whsec_${randomBytes(32).toString("base64")}`;
  Object.assign(auditExportEnv, { AUDIT_EXPORT_WEBHOOK_URL: `http://127.0.0.1:${port}/webhook`, AUDIT_EXPORT_SIGNING_SECRET: signingSecret });
  try {
    siem = await startSiemSink({ port, signingSecret, log: (line) => say(`siem sink: ${line}`) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") {
      console.error(`AUDIT_EXPORT_SIGNING_SECRET: ${(err as Error).message}`);
      await Promise.all([sink?.close(), infra.stop()]);
      process.exit(1);
    }
    say(`siem sink: port ${port} is taken; the audit export goes to whatever listens there`);
  }
}

const nameWidth = Math.max(...processes.map((p) => p.name.length));
let shuttingDown = false;
let tablePrinted = false;
const supervisor = createSupervisor({
  nameWidth,
  policy: DEFAULT_RESTART_POLICY,
  ...(fromBuild ? { nodeArgs: [] } : {}),
  events: {
    onStarted: (name, pid, restarts) => {
      say(`${name} ${restarts === 0 ? "started" : `restarted (restart ${restarts})`}, pid ${pid}`);
      if (restarts > 0) void awaitReady(started.find((item) => item.entry.name === name)!, 60_000);
    },
    onRestarting: (name, exit, delayMs, inWindow) => {
      say(`${name} exited unexpectedly (${exit}); restarting in ${(delayMs / 1000).toFixed(2)} s (${inWindow} of ${DEFAULT_RESTART_POLICY.maxRestarts} restarts allowed per minute)`);
    },
    onCrashLoop: (name, exit, inWindow) => {
      say(`${name} exited unexpectedly (${exit}) after ${inWindow} restarts within a minute: it is crash-looping; stopping the mesh`);
      void stop(1);
    },
  },
});

async function stop(exitCode: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  say("stopping every process");
  const unclean = await supervisor.stopAll();
  await Promise.all([sink?.close(), siem?.close()]);
  await infra.stop();
  say(unclean.length ? `stopped; not cleanly: ${unclean.join(", ")}` : "stopped: every process exited cleanly");
  process.exit(exitCode);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

const started = processes.map((entry) => {
  const ports = portsOf(entry, offset);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...shared,
    // A secret of its own, and only the keys its callers derived for it: it can sign as its own service only.
    ...internalAuthEnvOf(secrets, entry),
    ...(entry.service === "audit-export" ? auditExportEnv : {}),
    ADMIN_PORT: String(ports.adminPort),
    ...(ports.grpcPort === undefined ? {} : { GRPC_PORT: String(ports.grpcPort) }),
  };
  const supervised = supervisor.start(entry.name, entryPathOf(entry), env);
  return { entry, ports, supervised };
});
const ready = new Map<string, boolean>();

/** Waits for a process to answer /readyz (again), then notes it; after start-up, reprints the table. */
async function awaitReady(item: (typeof started)[number], timeoutMs: number): Promise<void> {
  const restartsBefore = item.supervised.restarts;
  ready.set(item.entry.name, false);
  const isReady = await waitUntilReady(item.ports.adminPort, { timeoutMs, exited: item.supervised.ended });
  ready.set(item.entry.name, isReady);
  if (tablePrinted && !shuttingDown && item.supervised.restarts === restartsBefore) {
    say(`${item.entry.name} is ${isReady ? "ready again" : "NOT READY"} after restart ${restartsBefore}`);
    printTable();
  }
}

function printTable(): void {
  const rows = started.map(({ entry, ports, supervised }) => [
    entry.name,
    ports.grpcPort === undefined ? "-" : String(ports.grpcPort),
    String(ports.adminPort),
    ready.get(entry.name) ? "ready" : "NOT READY",
    String(supervised.restarts),
    String(supervised.child.pid ?? "-"),
    entry.summary,
  ]);
  const header = ["process", "grpc", "admin", "state", "restarts", "pid", "what"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join("  ");
  say(["", line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line), ""].join("\n"));
}

// Generous: on a loaded two-core machine fourteen processes compiling TypeScript at once take a while.
await Promise.all(started.map((item) => awaitReady(item, 180_000)));
if (shuttingDown) await new Promise(() => {});
printTable();
tablePrinted = true;
say(
  [
    `gRPC, gRPC-Web and Connect share each grpc port; try: npx buf curl --list-methods --http2-prior-knowledge http://127.0.0.1:${processes[0]!.grpcPort! + offset}`,
    "admin ports serve /healthz, /readyz and /metrics. A process that exits on its own is restarted. Ctrl-C stops everything.",
    ...(sink ? [`emails, SMS and pushes land in a local sink: curl ${sink.messagesUrl}`] : []),
    ...(siem ? [`the audit log is exported to a local SIEM sink: curl ${siem.eventsUrl}`] : []),
  ].join("\n"),
);
if ([...ready.values()].some((isReady) => !isReady)) say("some processes are not ready: see their logs above");
