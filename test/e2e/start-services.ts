/**
 * The services an end-to-end test drives, each started as its own process
 * from its real entry point (`node --import tsx services/<svc>/src/main.ts`),
 * on free ports and fresh, migrated databases, each with an internal-auth
 * key of its own as `npm start` makes them. Unlike `npm start` (whose
 * supervisor restarts a process that exits at once), one process can be
 * stopped for as long as a test wants and started again on the same ports,
 * so a test can watch the edge while an upstream is away.
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
import { processByName } from "../../platform/mesh/catalogue.js";
import { Redis } from "ioredis";
import { deleteKeysWithPrefix, randomSuffix, testInfrastructure } from "../../platform/testing/index.js";
import { meshCallerKeys, signingEnvOf } from "../../scripts/start/mesh-env.js";
import { waitUntilReady } from "../../scripts/start/wait-ready.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The processes an end-to-end run starts, in start order. */
export type E2eProcessName = "identity" | "risk" | "ledger" | "mobile-bff" | "gateway";
const ORDER: readonly E2eProcessName[] = ["identity", "risk", "ledger", "mobile-bff", "gateway"];

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<number | string>;
}

/** What a test works with. */
export interface E2eServices {
  /** The REST edge's base URL (the gateway's port). */
  readonly edgeUrl: string;
  /** Each process's gRPC base URL. */
  readonly grpcUrl: Record<E2eProcessName, string>;
  /** Signs calls as the payments system (the one external caller of the call graph), with a key the receivers list under it. */
  signer(callerId: "payments"): Interceptor;
  /** Sends SIGTERM to one process and resolves once it exited. */
  stop(name: E2eProcessName): Promise<void>;
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
 * Starts identity, risk, ledger, mobile-bff and the gateway. `env` is added to
 * every process (e.g. small `GATEWAY_*` limits); `log` receives nothing, the
 * output is kept per process for {@link E2eServices.output}.
 */
export async function startE2eServices(options: { env?: Record<string, string>; readyTimeoutMs?: number } = {}): Promise<E2eServices> {
  const infra = await testInfrastructure();
  const suffix = randomSuffix();
  const paymentsSecret = randomBytes(32).toString("hex");
  // One key per process under its caller id, plus the payments system's.
  const callerKeys = meshCallerKeys(ORDER.map(processByName), {
    INTERNAL_AUTH_CALLER_KEYS: JSON.stringify({ [externalCallers.payments]: { test: paymentsSecret } }),
  });
  const databaseUrls = {
    identity: withDatabase(infra.postgresUrl, `test_e2e_${suffix}_identity`),
    ledger: withDatabase(infra.postgresUrl, `test_e2e_${suffix}_ledger`),
    risk: withDatabase(infra.postgresUrl, `test_e2e_${suffix}_ops_risk`),
  };
  await migrateServiceDatabase({ owner: "identity" }, databaseUrls.identity);
  await migrateServiceDatabase({ owner: "ledger" }, databaseUrls.ledger);
  await migrateServiceDatabase({ owner: "risk" }, databaseUrls.risk);

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
    INTERNAL_AUTH_CALLER_KEYS: JSON.stringify(callerKeys),
    IDENTITY_URL: grpcUrl.identity,
    LEDGER_URL: grpcUrl.ledger,
    RISK_URL: grpcUrl.risk,
    MOBILE_BFF_URL: grpcUrl["mobile-bff"],
    NOTIFICATION_URL: `http://127.0.0.1:${notificationPort}`,
    BACKOFFICE_URL: `http://127.0.0.1:${notificationPort}`,
    IDENTITY_ISSUER: grpcUrl.identity,
    IDENTITY_JWKS_URL: `${grpcUrl.identity}/.well-known/jwks.json`,
    IDENTITY_REDIS_PREFIX: `test_e2e_${suffix}:identity:`,
    IDENTITY_DATABASE_URL: databaseUrls.identity,
    LEDGER_DATABASE_URL: databaseUrls.ledger,
    OPS_RISK_DATABASE_URL: databaseUrls.risk,
    RISK_REDIS_PREFIX: `test_e2e_${suffix}:risk:`,
    ...options.env,
  };

  const outputs = Object.fromEntries(ORDER.map((n) => [n, ""])) as Record<E2eProcessName, string>;
  const running = new Map<E2eProcessName, Running>();

  const launch = async (name: E2eProcessName) => {
    if (running.has(name)) throw new Error(`${name} is already running`);
    const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "services", name, "src/main.ts")], {
      cwd: repoRoot,
      env: { ...shared, ...signingEnvOf(shared, processByName(name)), GRPC_PORT: String(ports[name].grpc), ADMIN_PORT: String(ports[name].admin) },
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

  const stop = async (name: E2eProcessName) => {
    const process_ = running.get(name);
    if (!process_) return;
    running.delete(name);
    if (process_.child.exitCode === null && process_.child.signalCode === null) process_.child.kill("SIGTERM");
    const timer = setTimeout(() => process_.child.kill("SIGKILL"), 10_000);
    await process_.exited;
    clearTimeout(timer);
  };

  const shutdown = async () => {
    for (const name of [...ORDER].reverse()) await stop(name);
    await Promise.allSettled(Object.values(databaseUrls).map((url) => dropDatabase(url)));
    const redis = new Redis(infra.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await deleteKeysWithPrefix(redis, `test_e2e_${suffix}:`).catch(() => undefined);
    redis.disconnect();
  };

  try {
    for (const name of ORDER) await launch(name);
  } catch (err) {
    await shutdown();
    throw err;
  }

  return {
    edgeUrl: grpcUrl.gateway,
    grpcUrl,
    signer: (callerId) => createInternalAuthClientInterceptor({ callerId, keyId: "test", secret: paymentsSecret }),
    stop,
    start: launch,
    output: (name) => outputs[name],
    shutdown,
  };
}
