/**
 * `npm start`: the whole mesh on one machine.
 *
 * Finds PostgreSQL, Redis and RabbitMQ (loopback, else testcontainers when
 * Docker answers, else says what to start), creates and migrates each
 * service's database, starts every service and worker as its own process with
 * prefixed logs, and prints what listens where. Ctrl-C (or SIGTERM) stops
 * everything gracefully.
 *
 * Without NOTIFICATION_SMTP_URL / _SMS_URL / _PUSH_URL, notifications go to a
 * local provider sink (SMTP on 1025, HTTP on 1026, plus PORT_OFFSET) whose
 * `GET /messages` shows what arrived.
 *
 * Variables: PORT_OFFSET shifts every port (default 0); *_DATABASE_URL,
 * REDIS_URL and AMQP_URL point at servers of your own; POSTGRES_URL is the
 * server on which missing databases are created; LOG_LEVEL applies to all.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrateServiceDatabase } from "../../platform/db/index.js";
import { databases, processes } from "../../platform/mesh/catalogue.js";
import { resolveInfrastructureFromEnv, type Infrastructure } from "../../platform/testing/infrastructure.js";
import { portsOf, sharedMeshEnv } from "./mesh-env.js";
import { paint } from "./log-format.js";
import { startProviderSink, type ProviderSink } from "./provider-sink.js";
import { createSupervisor } from "./supervisor.js";
import { waitUntilReady } from "./wait-ready.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const say = (message: string) => process.stdout.write(`${paint(1, "mesh")} ${message}\n`);

const offset = Number(process.env.PORT_OFFSET ?? "0");
if (!Number.isInteger(offset) || offset < 0 || offset > 50_000) {
  console.error(`PORT_OFFSET must be a whole number from 0 to 50000, got "${process.env.PORT_OFFSET}"`);
  process.exit(1);
}

let infra: Infrastructure;
try {
  infra = await resolveInfrastructureFromEnv();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
say(`servers: postgres ${infra.sources.postgres}, redis ${infra.sources.redis}, rabbitmq ${infra.sources.amqp}`);

const shared = sharedMeshEnv(infra, process.env, offset);
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

const nameWidth = Math.max(...processes.map((p) => p.name.length));
let shuttingDown = false;
const supervisor = createSupervisor({
  nameWidth,
  onUnexpectedExit: (name, code) => {
    say(`${name} exited unexpectedly (${code}); stopping the mesh`);
    void stop(1);
  },
});

async function stop(exitCode: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  say("stopping every process");
  const unclean = await supervisor.stopAll();
  await sink?.close();
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
    ADMIN_PORT: String(ports.adminPort),
    ...(ports.grpcPort === undefined ? {} : { GRPC_PORT: String(ports.grpcPort) }),
  };
  const child = supervisor.start(entry.name, path.join(repoRoot, "services", entry.service, entry.entry), env);
  return { entry, ports, child };
});

const readiness = await Promise.all(
  started.map(({ ports, child }) => waitUntilReady(ports.adminPort, { timeoutMs: 60_000, exited: child.exited })),
);
if (shuttingDown) await new Promise(() => {});

const rows = started.map(({ entry, ports }, i) => [
  entry.name,
  ports.grpcPort === undefined ? "-" : String(ports.grpcPort),
  String(ports.adminPort),
  readiness[i] ? "ready" : "NOT READY",
  entry.summary,
]);
const header = ["process", "grpc", "admin", "state", "what"];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join("  ");
say(
  [
    "",
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `gRPC, gRPC-Web and Connect share each grpc port; try: npx buf curl --list-methods --http2-prior-knowledge http://127.0.0.1:${processes[0]!.grpcPort! + offset}`,
    "admin ports serve /healthz, /readyz and /metrics. Ctrl-C stops everything.",
    ...(sink ? [`emails, SMS and pushes land in a local sink: curl ${sink.messagesUrl}`] : []),
  ].join("\n"),
);
if (readiness.some((ready) => !ready)) say("some processes are not ready: see their logs above");
