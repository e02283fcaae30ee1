/**
 * The services an end-to-end test drives, each started as its own process
 * from its real entry point (`node --import tsx services/<svc>/src/main.ts`),
 * on free ports and fresh, migrated databases, each with an internal-auth
 * key of its own as `npm start` makes them. Unlike `npm start` (whose
 * supervisor restarts a process that exits at once), one process can be
 * stopped for as long as a test wants and started again on the same ports,
 * so a test can watch the edge while an upstream is away.
 *
 * The mobile journey's processes always run; others (the backoffice) only
 * when a test lists them in `extra`, so a run pays for what it uses.
 */
import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Interceptor } from "@connectrpc/connect";
import { dropDatabase, migrateServiceDatabase, withDatabase } from "../../platform/db/index.js";
import { createInternalAuthClientInterceptor } from "../../platform/internal-auth/index.js";
import { externalCallers } from "../../platform/mesh/call-graph.js";
import { processByName, type ServiceName } from "../../platform/mesh/catalogue.js";
import { Redis } from "ioredis";
import { deleteKeysWithPrefix, randomSuffix, testInfrastructure } from "../../platform/testing/index.js";
import { internalAuthEnvOf, meshCallerSecrets } from "../../scripts/start/mesh-env.js";
import { waitUntilReady } from "../../scripts/start/wait-ready.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The processes an end-to-end run can start, in start order. */
export type E2eProcessName = "identity" | "risk" | "ledger" | "mobile-bff" | "backoffice" | "gateway";
const ORDER: readonly E2eProcessName[] = ["identity", "risk", "ledger", "mobile-bff", "backoffice", "gateway"];

/** Processes started only when a test asks for them (`extra`). */
export type E2eExtraProcess = "backoffice";
const EXTRA: ReadonlySet<E2eProcessName> = new Set<E2eExtraProcess>(["backoffice"]);

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<number | string>;
}

/** What a test works with. */
export interface E2eServices {
  /** The REST edge's base URL (the gateway's port). */
  readonly edgeUrl: string;
  /** Each process's gRPC base URL (nothing listens on the port of a process this run does not start). */
  readonly grpcUrl: Record<E2eProcessName, string>;
  /**
   * The environment every process shares (databases, Redis and its key
   * prefixes, upstream URLs), for running an operator command against this
   * run, e.g. `npm run backoffice:create-admin`, or reading a service's
   * database (`IDENTITY_DATABASE_URL`...).
   */
  readonly env: Readonly<NodeJS.ProcessEnv>;
  /**
   * Signs calls as the payments system (the one external caller of the call
   * graph), with a key the receivers list under it, or as a service with its
   * process's own key (to call the BFF as the edge does, say).
   */
  signer(callerId: "payments" | E2eProcessName): Interceptor;
  /** Sends SIGTERM to one process and resolves once it exited. */
  stop(name: E2eProcessName): Promise<void>;
  /** Kills one process with SIGKILL (a crash: nothing drains) and resolves once it is gone. */
  kill(name: E2eProcessName): Promise<void>;
  /** Starts a stopped process again, on the same ports and database, and waits until it is ready. */
  start(name: E2eProcessName): Promise<void>;
  /** What one process printed so far (for failure messages). */
  output(name: E2eProcessName): string;
  /** Stops every process and drops the databases. */
  shutdown(): Promise<void>;
}

/** A free TCP port on loopback (the kernel's choice). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts identity, risk, ledger, mobile-bff and the gateway, and the `extra`
 * processes (the backoffice, with a database of its own) before the gateway.
 * `env` is added to every process (e.g. small `GATEWAY_*` limits); the output
 * is kept per process for {@link E2eServices.output}.
 */
export async function startE2eServices(
  options: { env?: Record<string, string>; extra?: readonly E2eExtraProcess[]; readyTimeoutMs?: number } = {},
): Promise<E2eServices> {
  const infra = await testInfrastructure();
  const suffix = randomSuffix();
  const extra = new Set<E2eProcessName>(options.extra ?? []);
  const started = ORDER.filter((name) => !EXTRA.has(name) || extra.has(name));
  const paymentsSecret = randomBytes(32).toString("hex");
  // One secret per process under its caller id, plus the payments system's.
  const secrets = meshCallerSecrets(ORDER.map(processByName), {
    INTERNAL_AUTH_CALLER_KEYS: JSON.stringify({ [externalCallers.payments]: { test: paymentsSecret } }),
  });
  // By owning service (whose migrations it gets), for the processes this run starts.
  const databaseUrls: Partial<Record<ServiceName, string>> = {
    identity: withDatabase(infra.postgresUrl, `test_e2e_${suffix}_identity`),
    ledger: withDatabase(infra.postgresUrl, `test_e2e_${suffix}_ledger`),
    risk: withDatabase(infra.postgresUrl, `test_e2e_${suffix}_ops_risk`),
  };
  if (extra.has("backoffice")) databaseUrls.backoffice = withDatabase(infra.postgresUrl, `test_e2e_${suffix}_backoffice`);
  const databases = Object.entries(databaseUrls) as [ServiceName, string][];
  for (const [owner, url] of databases) await migrateServiceDatabase({ owner }, url);

  const ports = {} as Record<E2eProcessName, { grpc: number; admin: number }>;
  const taken = new Set<number>();
  for (const name of ORDER) {
    const pick = async () => {
      for (;;) {
        const port = await freePort();
        if (!taken.has(port)) {
          taken.add(port);
          return port;
        }
      }
    };
    ports[name] = { grpc: await pick(), admin: await pick() };
  }
  // Nothing listens here: notification is not part of this run.
  const notificationPort = await freePort();
  const grpcUrl = Object.fromEntries(ORDER.map((n) => [n, `http://127.0.0.1:${ports[n].grpc}`])) as Record<E2eProcessName, string>;

  const { NODE_TEST_CONTEXT: _testContext, ...inherited } = process.env;
  const shared: NodeJS.ProcessEnv = {
    ...inherited,
    NODE_ENV: "development",
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "warn",
    HOST: "127.0.0.1",
    SHUTDOWN_TIMEOUT_MS: "2000",
    REDIS_URL: infra.redisUrl,
    AMQP_URL: infra.amqpUrl,
    INTERNAL_AUTH_MODE: "hmac",
    IDENTITY_URL: grpcUrl.identity,
    LEDGER_URL: grpcUrl.ledger,
    RISK_URL: grpcUrl.risk,
    MOBILE_BFF_URL: grpcUrl["mobile-bff"],
    NOTIFICATION_URL: `http://127.0.0.1:${notificationPort}`,
    BACKOFFICE_URL: grpcUrl.backoffice,
    IDENTITY_ISSUER: grpcUrl.identity,
    IDENTITY_JWKS_URL: `${grpcUrl.identity}/.well-known/jwks.json`,
    IDENTITY_REDIS_PREFIX: `test_e2e_${suffix}:identity:`,
    // Identity's revoked-session list, the edge's limits and the BFF's keys under this run's prefix too, so shutdown removes them.
    SESSION_REVOCATION_REDIS_PREFIX: `test_e2e_${suffix}:`,
    GATEWAY_REDIS_PREFIX: `test_e2e_${suffix}:gateway:`,
    BFF_REDIS_PREFIX: `test_e2e_${suffix}:mobile-bff:`,
    IDENTITY_DATABASE_URL: databaseUrls.identity,
    LEDGER_DATABASE_URL: databaseUrls.ledger,
    OPS_RISK_DATABASE_URL: databaseUrls.risk,
    BACKOFFICE_DATABASE_URL: databaseUrls.backoffice,
    RISK_REDIS_PREFIX: `test_e2e_${suffix}:risk:`,
    ...options.env,
  };

  const outputs = Object.fromEntries(ORDER.map((n) => [n, ""])) as Record<E2eProcessName, string>;
  const running = new Map<E2eProcessName, Running>();

  const launch = async (name: E2eProcessName) => {
    if (!started.includes(name)) throw new Error(`${name} is not part of this run (list it in \`extra\`)`);
    if (running.has(name)) throw new Error(`${name} is already running`);
    const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "services", name, "src/main.ts")], {
      cwd: repoRoot,
      env: { ...shared, ...internalAuthEnvOf(secrets, processByName(name)), GRPC_PORT: String(ports[name].grpc), ADMIN_PORT: String(ports[name].admin) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      outputs[name] = (outputs[name] + chunk.toString()).slice(-20_000);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
    running.set(name, { child, exited });
    const ready = await waitUntilReady(ports[name].admin, { timeoutMs: options.readyTimeoutMs ?? 180_000, exited });
    if (!ready) throw new Error(`${name} did not become ready:\n${outputs[name].slice(-4_000)}`);
  };

  const stop = async (name: E2eProcessName, signal: NodeJS.Signals = "SIGTERM") => {
    const process_ = running.get(name);
    if (!process_) return;
    running.delete(name);
    if (process_.child.exitCode === null && process_.child.signalCode === null) process_.child.kill(signal);
    const timer = setTimeout(() => process_.child.kill("SIGKILL"), 10_000);
    await process_.exited;
    clearTimeout(timer);
  };

  const shutdown = async () => {
    for (const name of [...started].reverse()) await stop(name);
    await Promise.allSettled(databases.map(([, url]) => dropDatabase(url)));
    const redis = new Redis(infra.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await deleteKeysWithPrefix(redis, `test_e2e_${suffix}:`).catch(() => undefined);
    redis.disconnect();
  };

  try {
    for (const name of started) await launch(name);
  } catch (err) {
    await shutdown();
    throw err;
  }

  return {
    edgeUrl: grpcUrl.gateway,
    grpcUrl,
    env: shared,
    signer: (callerId) =>
      callerId === "payments"
        ? createInternalAuthClientInterceptor({ callerId, keyId: "test", secret: paymentsSecret })
        : createInternalAuthClientInterceptor({ callerId, keyId: callerId, secret: secrets[callerId]![callerId]! }),
    stop: (name) => stop(name),
    kill: (name) => stop(name, "SIGKILL"),
    start: launch,
    output: (name) => outputs[name],
    shutdown,
  };
}
