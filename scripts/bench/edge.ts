/**
 * `npm run bench:edge`: what the REST edge costs. The same operations, with
 * the same clients, through the gateway (REST/JSON over HTTP/1.1: JWT
 * verification, Redis rate limits, Idempotency-Key, step-up check, audit log,
 * signed upstream call with breaker and retries) and directly over gRPC to the
 * mobile BFF (HTTP/2, HMAC-signed as the gateway, the user's subject in
 * `x-internal-subject`), in one run.
 *
 * 1. Finds PostgreSQL, Redis and RabbitMQ (POSTGRES_URL / REDIS_URL / AMQP_URL,
 *    else loopback, else containers); creates throw-away identity and ledger
 *    databases and migrates them.
 * 2. Starts identity, the ledger, the mobile BFF and the gateway from their
 *    real entry points, each its own process on free ports (`NODE_ENV=production`,
 *    hmac internal auth with a fresh key per caller, one issuer, the gateway's rate
 *    limits raised out of the way and HTTPS not required on loopback).
 * 3. Onboards `--users` customers through the BFF (sign-up and first EUR
 *    wallet), logs each in through identity, tops every wallet up with a
 *    signed ledger TopUp.
 * 4. Measures with `--clients` closed-loop clients: (1) a balance read,
 *    `GET /v1/accounts/{id}/balance` with a bearer token vs `GetBalance`;
 *    (2) a transfer of one minor unit to another user's wallet,
 *    `POST /v1/transfers` with a fresh `Idempotency-Key` vs `Transfer`.
 *    Each pair: a warm-up of both paths, then `--rounds` slices per path
 *    interleaved ABBA (direct, edge, edge, direct...), so load that other
 *    processes put on the machine weighs on both paths alike.
 *
 * Prints one JSON object on stdout (progress on stderr): per operation and
 * path requests/s, p50/p90/p99 latency, errors by HTTP status or gRPC code
 * (with the refusal's reason), CPU per process; the ratio edge/direct against
 * the 0.7 target; the machine and the parameters. Exit 0 on a completed run,
 * 2 when a path answers Unimplemented/501, 1 on any other failure. Databases
 * are dropped and processes stopped in every case.
 */
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import os from "node:os";
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { MobileBffService } from "../../gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { Platform } from "../../gen/wallet/identity/v1/device_pb.js";
import { IdentityService } from "../../gen/wallet/identity/v1/identity_service_pb.js";
import { LedgerService } from "../../gen/wallet/ledger/v1/ledger_service_pb.js";
import { dropDatabase, migrateServiceDatabase, withDatabase } from "../../platform/db/index.js";
import { resolveInfrastructureFromEnv, type Infrastructure } from "../../platform/testing/infrastructure.js";
import { randomSuffix } from "../../platform/testing/unique-name.js";
import { commonHelp, intFlag, parseBenchArgs, type CommonBenchArgs } from "./lib/args.js";
import { codeName, runClosedLoop, runClosedLoopRaw, summariseRuns, type PhaseLimit, type RawPhase } from "./lib/closed-loop.js";
import { startCpuMeter } from "./lib/cpu.js";
import { describeMachine } from "./lib/machine.js";
import { BenchUnavailableError, createBenchLog, emitResult, runBench } from "./lib/output.js";
import { startServiceProcess, type ServiceProcess } from "./lib/service-process.js";
import { ratio, round, type PhaseSummary } from "./lib/stats.js";
import { createBenchKeys } from "./bench-keys.js";

const log = createBenchLog("edge");

const HELP = `npm run bench:edge -- [flags]

A balance read and a transfer through the REST edge (gateway -> mobile BFF -> ledger)
and directly over gRPC to the mobile BFF, same clients, same run; requests/s, latency
and the ratio edge/direct (target 0.7). JSON on stdout, progress on stderr.

${commonHelp}
  (--seconds and --operations apply to each of the four measured phases; pgbench flags are ignored)
  --users N            customers onboarded, logged in and funded (default 128)
  --connections N      HTTP/2 connections the direct gRPC clients share (default 1, like the gateway's one channel)
  --rounds N           slices each phase is cut into, alternating the paths ABBA (default 4)
  --log-level LEVEL    LOG_LEVEL of the four services (default info, as in production: the edge writes its audit line)
  --cpu-prof DIR       write a V8 CPU profile of the gateway process to DIR (open it in Chrome DevTools)

Servers: POSTGRES_URL, REDIS_URL and AMQP_URL, else loopback, else containers.
The services inherit the environment; the bench sets what it needs on top.`;

/** Currency of every wallet. */
const CURRENCY = "EUR";
/** Each wallet's funding: far more than a run spends at one unit per transfer. */
const TOP_UP_MINOR = 1_000_000_000n;
/** Each transfer moves one minor unit. */
const TRANSFER_MINOR = 1n;
/** The gateway's step-up threshold: well above the transfer, so no challenge. */
const STEP_UP_AMOUNT_MINOR = 1_000_000;
/** Rate-limit budgets high enough never to refuse the bench (per 60 s window). */
const RATE_LIMIT = 1_000_000_000;
/** Issuer of identity's tokens, expected by the BFF and the gateway. */
const ISSUER = "https://identity.bench.invalid";
/** Password of every bench customer: long, not a common one. */
const PASSWORD = "correct horse battery staple edge bench";
/** Caller id of the direct gRPC path: the one the gateway signs as. */
const DIRECT_CALLER = "gateway";
/** Caller id of the funding top-ups (the payments system in the tests). */
const FUNDING_CALLER = "payments";
/** Customers prepared at once. */
const SETUP_CONCURRENCY = 4;
/** Deadline of a direct call, the gateway's default upstream deadline. */
const DIRECT_TIMEOUT_MS = 5_000;

type BffClient = Client<typeof MobileBffService>;

/** A customer the clients act as. */
interface BenchUser {
  readonly userId: string;
  readonly accessToken: string;
  readonly accountId: string;
}

/** A refusal from the edge: its HTTP status and the problem's reason. */
class EdgeStatusError extends Error {
  override readonly name = "EdgeStatusError";
  constructor(
    readonly status: number,
    readonly reason: string,
    detail: string,
  ) {
    super(`HTTP ${status}${reason ? ` ${reason}` : ""}: ${detail}`);
  }
}

/** Errors of the edge path, by status and reason (`http_422_INSUFFICIENT_FUNDS`), or by socket error. */
function edgeErrorKey(err: unknown): string | undefined {
  if (err instanceof EdgeStatusError) return `http_${err.status}${err.reason ? `_${err.reason}` : ""}`;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? `socket_${code}` : undefined;
}

/** Errors of the direct path, by gRPC code and ErrorInfo reason (`failed_precondition_INSUFFICIENT_FUNDS`). */
function directErrorKey(err: unknown): string {
  const error = ConnectError.from(err);
  const reason = error.findDetails(ErrorInfoSchema)[0]?.reason;
  return `${codeName(error)}${reason ? `_${reason}` : ""}`;
}

/**
 * A REST client as a mobile app is one: HTTP/1.1 keep-alive connections (one
 * per concurrent client), JSON in and out. Resolves with the parsed body of a
 * 2xx; rejects with {@link EdgeStatusError} otherwise.
 */
function createRestClient(baseUrl: string, connections: number) {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const request = (method: "GET" | "POST", path: string, headers: Record<string, string>, body?: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: {
            accept: "application/json",
            "user-agent": "wallet-bench/1.0",
            ...headers,
            ...(payload ? { "content-type": "application/json", "content-length": String(payload.length) } : {}),
          },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(parsed);
            const problem = (parsed ?? {}) as { reason?: unknown; detail?: unknown; title?: unknown };
            reject(new EdgeStatusError(status, typeof problem.reason === "string" ? problem.reason : "", String(problem.detail ?? problem.title ?? text.slice(0, 200))));
          });
        },
      );
      req.on("timeout", () => req.destroy(Object.assign(new Error("request timed out"), { code: "ETIMEDOUT" })));
      req.on("error", reject);
      req.end(payload);
    });
  return { request, close: () => agent.destroy() };
}

/** Turns Unimplemented or 501 into the "not benchmarkable yet" failure, anything else into a set-up error. */
async function requireWorking<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof EdgeStatusError) {
      if (err.status === 501) throw new BenchUnavailableError(`${what} answers 501 Not Implemented: nothing to benchmark`);
      throw new Error(`${what} failed during set-up: ${err.message}`, { cause: err });
    }
    const error = ConnectError.from(err);
    if (error.code === Code.Unimplemented) throw new BenchUnavailableError(`${what} answers Unimplemented: nothing to benchmark`);
    throw new Error(`${what} failed during set-up: [${directErrorKey(err)}] ${error.rawMessage}`, { cause: error });
  }
}

/** Runs `count` set-up jobs, `concurrency` at a time. */
async function inParallel<T>(count: number, concurrency: number, job: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await job(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** Onboards (BFF: sign-up and first wallet), logs in (identity) and funds (ledger) `count` customers. */
async function prepareUsers(
  services: { bff: string; identity: string; ledger: string },
  sign: (callerId: string) => Interceptor,
  count: number,
  concurrency: number,
): Promise<BenchUser[]> {
  const bff = createClient(MobileBffService, createGrpcTransport({ baseUrl: services.bff, interceptors: [sign(DIRECT_CALLER)] }));
  const identity = createClient(IdentityService, createGrpcTransport({ baseUrl: services.identity, interceptors: [sign(DIRECT_CALLER)] }));
  const ledger = createClient(LedgerService, createGrpcTransport({ baseUrl: services.ledger, interceptors: [sign(FUNDING_CALLER)] }));
  const run = randomSuffix();
  const started = performance.now();
  const users = await inParallel(count, concurrency, async (i) => {
    const email = `edge-${run}-${i}@bench.invalid`;
    const device = { deviceId: randomUUID(), name: "bench", platform: Platform.IOS };
    const onboarded = await requireWorking("mobile-bff Onboard", () =>
      bff.onboard({ email, password: PASSWORD, device, currency: CURRENCY, displayName: `Bench ${i}` }, { headers: { "x-client-ip": "127.0.0.1" } }),
    );
    if (!onboarded.account?.id) throw new Error(`Onboard opened no wallet for user ${i}`);
    const login = await requireWorking("identity Login", () => identity.login({ email, password: PASSWORD, device }, { headers: { "x-client-ip": "127.0.0.1" } }));
    if (login.result.case !== "tokens") throw new Error(`Login answered ${login.result.case ?? "nothing"} instead of tokens`);
    await requireWorking("ledger TopUp", () =>
      ledger.topUp({ accountId: onboarded.account!.id, amount: { amountMinor: TOP_UP_MINOR, currency: CURRENCY }, description: "bench funding", idempotencyKey: randomUUID() }),
    );
    return { userId: onboarded.userId, accessToken: login.result.value.accessToken, accountId: onboarded.account.id };
  });
  log(`${count} customers onboarded, logged in and funded in ${round((performance.now() - started) / 1000, 1)} s`);
  return users;
}

/** CPU per process during a phase, plus the bench client and the whole machine. */
async function startProcessMeters(processes: Readonly<Record<string, ServiceProcess>>) {
  const names = Object.keys(processes);
  const meters = await Promise.all(names.map((name) => startCpuMeter(processes[name]!.adminUrl)));
  return async () => {
    const uses = await Promise.all(meters.map((stop) => stop()));
    return {
      serviceCores: Object.fromEntries(names.map((name, i) => [name, uses[i]!.serviceCores ?? null])),
      benchClientCores: uses[0]!.benchClientCores,
      machineBusyCores: uses[0]!.machineBusyCores ?? null,
    };
  };
}

type CpuByProcess = Awaited<ReturnType<Awaited<ReturnType<typeof startProcessMeters>>>>;

/** Time-weighted average of per-slice CPU readings (null when a reading is missing). */
function averageCpu(slices: readonly { use: CpuByProcess; seconds: number }[]): CpuByProcess {
  const total = slices.reduce((sum, slice) => sum + slice.seconds, 0);
  const mean = (value: (use: CpuByProcess) => number | null): number | null => {
    if (total <= 0 || slices.some((slice) => value(slice.use) === null)) return null;
    return round(slices.reduce((sum, slice) => sum + value(slice.use)! * slice.seconds, 0) / total);
  };
  const names = Object.keys(slices[0]?.use.serviceCores ?? {});
  return {
    serviceCores: Object.fromEntries(names.map((name) => [name, mean((use) => use.serviceCores[name] ?? null)])),
    benchClientCores: mean((use) => use.benchClientCores) ?? 0,
    machineBusyCores: mean((use) => use.machineBusyCores),
  };
}
type Measured = PhaseSummary & { readonly cpu: CpuByProcess };

/** A random index in [0, n). */
const pick = (n: number) => Math.floor(Math.random() * n);

/** The four measured phases. */
async function measure(
  users: readonly BenchUser[],
  edgeUrl: string,
  bffUrl: string,
  sign: (callerId: string) => Interceptor,
  args: ReturnType<typeof readArgs>,
  processes: Readonly<Record<string, ServiceProcess>>,
) {
  const common: CommonBenchArgs = args.common;
  const rest = createRestClient(edgeUrl, common.clients);
  const direct: BffClient[] = Array.from({ length: args.connections }, () =>
    createClient(MobileBffService, createGrpcTransport({ baseUrl: bffUrl, interceptors: [sign(DIRECT_CALLER)] })),
  );
  // What the edge sends upstream for a user (the signer adds the signature over the subject).
  const directHeaders = (user: BenchUser) => ({
    "x-internal-subject": user.userId,
    authorization: `Bearer ${user.accessToken}`,
    "x-client-ip": "127.0.0.1",
    "x-client-user-agent": "wallet-bench/1.0",
  });
  const userFor = () => users[pick(users.length)]!;
  const recipientOf = (sender: BenchUser) => {
    let to = users[pick(users.length)]!;
    while (to === sender) to = users[pick(users.length)]!;
    return to;
  };

  const operations = {
    balance: {
      direct: async (client: number) => {
        const user = userFor();
        const res = await direct[client % direct.length]!.getBalance({ accountId: user.accountId }, { headers: directHeaders(user), timeoutMs: DIRECT_TIMEOUT_MS });
        if (!res.balance) throw new Error("GetBalance answered no balance");
      },
      edge: async () => {
        const user = userFor();
        const body = (await rest.request("GET", `/v1/accounts/${encodeURIComponent(user.accountId)}/balance`, { authorization: `Bearer ${user.accessToken}` })) as { balance?: unknown };
        if (!body?.balance) throw new Error("GET balance answered no balance");
      },
    },
    transfer: {
      direct: async (client: number) => {
        const from = userFor();
        const to = recipientOf(from);
        const res = await direct[client % direct.length]!.transfer(
          {
            recipient: { case: "recipientAccountId", value: to.accountId },
            amount: { amountMinor: TRANSFER_MINOR, currency: CURRENCY },
            description: "bench",
            idempotencyKey: randomUUID(),
          },
          { headers: directHeaders(from), timeoutMs: DIRECT_TIMEOUT_MS },
        );
        if (!res.transaction) throw new Error("Transfer answered no transaction");
      },
      edge: async () => {
        const from = userFor();
        const to = recipientOf(from);
        const body = (await rest.request(
          "POST",
          "/v1/transfers",
          { authorization: `Bearer ${from.accessToken}`, "idempotency-key": randomUUID() },
          { recipientAccountId: to.accountId, amount: { amountMinor: String(TRANSFER_MINOR), currency: CURRENCY }, description: "bench" },
        )) as { transaction?: unknown };
        if (!body?.transaction) throw new Error("POST transfer answered no transaction");
      },
    },
  } as const;

  type Path = "direct" | "edge";
  /** Slice length: the phase split into `rounds` slices per path. */
  const sliceLimit: PhaseLimit =
    "seconds" in common.limit
      ? { seconds: common.limit.seconds / args.rounds }
      : { operations: Math.ceil(common.limit.operations / args.rounds), maxSeconds: common.limit.maxSeconds / args.rounds };

  /**
   * Both paths of one operation, interleaved: `rounds` slices each, in the
   * order direct, edge, edge, direct, direct, edge... (ABBA), so a change of
   * the machine's load during the run weighs on both paths alike.
   */
  const interleaved = async (label: string, ops: Record<Path, (client: number) => Promise<unknown>>): Promise<Record<Path, Measured>> => {
    const runs: Record<Path, RawPhase[]> = { direct: [], edge: [] };
    const cpus: Record<Path, { use: CpuByProcess; seconds: number }[]> = { direct: [], edge: [] };
    const seen = new Set<string>();
    log(`${label}: ${common.clients} clients, ${args.rounds} interleaved slices per path`);
    for (let round = 0; round < args.rounds; round++) {
      const order: Path[] = round % 2 === 0 ? ["direct", "edge"] : ["edge", "direct"];
      for (const path of order) {
        const meter = await startProcessMeters(processes);
        const run = await runClosedLoopRaw({
          clients: common.clients,
          limit: sliceLimit,
          operation: ops[path],
          errorKey: path === "edge" ? edgeErrorKey : directErrorKey,
          onFirstError: (code, error) => {
            if (!seen.has(`${path} ${code}`)) log(`${label} ${path}: first ${code} error: ${error.rawMessage}`);
            seen.add(`${path} ${code}`);
          },
        });
        cpus[path].push({ use: await meter(), seconds: run.elapsedSeconds });
        runs[path].push(run);
      }
    }
    const result = {} as Record<Path, Measured>;
    for (const path of ["direct", "edge"] as const) {
      const summary = summariseRuns(runs[path]);
      const cpu = averageCpu(cpus[path]);
      result[path] = { ...summary, cpu };
      const cores = Object.entries(cpu.serviceCores)
        .map(([n, c]) => `${n} ${c ?? "?"}`)
        .join(", ");
      log(
        `${label} ${path}: ${summary.perSecond} /s, p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, ${summary.errors} errors; ` +
          `cpu cores: ${cores}, bench ${cpu.benchClientCores}, machine ${cpu.machineBusyCores ?? "?"}`,
      );
    }
    return result;
  };

  const pair = async (name: keyof typeof operations, label: string) => {
    const ops = operations[name];
    await requireWorking(`${label} directly over gRPC`, () => ops.direct(0));
    await requireWorking(`${label} through the edge`, () => ops.edge());
    if (common.warmupSeconds > 0) {
      log(`${label}: warm-up, ${common.warmupSeconds} s per path`);
      await runClosedLoop({ clients: common.clients, limit: { seconds: common.warmupSeconds }, operation: ops.direct });
      await runClosedLoop({ clients: common.clients, limit: { seconds: common.warmupSeconds }, operation: ops.edge });
    }
    return interleaved(label, ops);
  };

  try {
    return { balance: await pair("balance", "balance read"), transfer: await pair("transfer", "transfer") };
  } finally {
    rest.close();
  }
}

/** A path's figures, with the rate named and errors named for what they count. */
function report({ perSecond, errorsByCode, ...rest }: Measured, errorsName: "errorsByStatus" | "errorsByCode") {
  return { requestsPerSecond: perSecond, ...rest, [errorsName]: errorsByCode };
}

/** One operation's comparison. */
function compare(result: { edge: Measured; direct: Measured }, edgeRequest: string, directRequest: string) {
  const edgeOverDirect = ratio(result.edge.perSecond, result.direct.perSecond);
  return {
    edge: { request: edgeRequest, ...report(result.edge, "errorsByStatus") },
    direct: { request: directRequest, ...report(result.direct, "errorsByCode") },
    edgeOverDirect,
    addedLatencyMs: { p50: round(result.edge.latencyMs.p50 - result.direct.latencyMs.p50), p99: round(result.edge.latencyMs.p99 - result.direct.latencyMs.p99) },
    target: { edgeOverDirect: 0.7, met: edgeOverDirect === null ? null : edgeOverDirect >= 0.7 },
  };
}

/** Reads the flags; prints help and exits for --help. */
function readArgs() {
  const { common, help, values } = parseBenchArgs(process.argv.slice(2), {
    users: { type: "string", default: "128" },
    connections: { type: "string", default: "1" },
    rounds: { type: "string", default: "4" },
    "cpu-prof": { type: "string" },
    "log-level": { type: "string", default: "info" },
  });
  if (help) {
    process.stderr.write(`${HELP}\n`);
    process.exit(0);
  }
  return {
    common,
    users: intFlag("users", values.users as string, 2, 100_000),
    connections: intFlag("connections", values.connections as string, 1, 256),
    rounds: intFlag("rounds", values.rounds as string, 1, 100),
    cpuProfileDir: values["cpu-prof"] === undefined ? undefined : String(values["cpu-prof"]),
    logLevel: String(values["log-level"]),
  };
}

/** Seconds the access tokens must live: the whole run with a wide margin. */
function tokenLifetimeSeconds(common: CommonBenchArgs): number {
  const phase = "seconds" in common.limit ? common.limit.seconds : common.limit.maxSeconds;
  return Math.max(3_600, 4 * (phase + common.warmupSeconds) + 1_800);
}

async function main(): Promise<number> {
  const args = readArgs();
  const started = new Date();
  const loadAtStart = os.loadavg().map((value) => round(value));
  const infra: Infrastructure = await resolveInfrastructureFromEnv();
  const identityDb = withDatabase(infra.postgresUrl, `bench_edge_identity_${randomSuffix()}`);
  const ledgerDb = withDatabase(infra.postgresUrl, `bench_edge_ledger_${randomSuffix()}`);
  const keys = createBenchKeys();
  const sign = keys.sign;
  const processes: Record<string, ServiceProcess> = {};
  const tokenTtl = `${tokenLifetimeSeconds(args.common)}s`;
  // The bench's clients sign; no process may fall back to an inherited API key.
  const { INTERNAL_API_KEY: _inheritedApiKey, ...inherited } = process.env;
  const base: NodeJS.ProcessEnv = {
    ...inherited,
    NODE_ENV: "production",
    LOG_LEVEL: args.logLevel,
    REDIS_URL: infra.redisUrl,
    AMQP_URL: infra.amqpUrl,
    INTERNAL_API_KEYS: "",
    IDENTITY_ISSUER: ISSUER,
    IDENTITY_AUDIENCE: "wallet-api",
  };
  const gatewayLimits = {
    GATEWAY_RATE_LIMIT_PER_IP: String(RATE_LIMIT),
    GATEWAY_RATE_LIMIT_PER_USER: String(RATE_LIMIT),
    GATEWAY_RATE_LIMIT_SENSITIVE: String(RATE_LIMIT),
    GATEWAY_STEP_UP_AMOUNT_MINOR: String(STEP_UP_AMOUNT_MINOR),
    // Loopback has no TLS-terminating proxy in front; production mode would refuse plain HTTP.
    GATEWAY_REQUIRE_HTTPS: "false",
  };
  try {
    log(`servers: postgres ${infra.sources.postgres}, redis ${infra.sources.redis}, amqp ${infra.sources.amqp}`);
    const [identityMigrations, ledgerMigrations] = await Promise.all([
      migrateServiceDatabase({ owner: "identity" }, identityDb, { onWarning: log }),
      migrateServiceDatabase({ owner: "ledger" }, ledgerDb, { onWarning: log }),
    ]);
    log(`databases migrated (identity ${identityMigrations.applied.length}, ledger ${ledgerMigrations.applied.length} migrations)`);

    const [identity, ledger] = await Promise.all([
      startServiceProcess({
        name: "identity",
        entry: "services/identity/src/main.ts",
        env: {
          ...base,
          ...keys.env("identity"),
          IDENTITY_DATABASE_URL: identityDb,
          IDENTITY_KEY_ENCRYPTION_SECRET: randomBytes(32).toString("base64url"),
          IDENTITY_REDIS_PREFIX: `bench-edge-identity-${randomSuffix()}:`,
          IDENTITY_ACCESS_TOKEN_TTL: tokenTtl,
          IDENTITY_KEY_OVERLAP: tokenTtl,
        },
        log,
      }),
      // Risk scoring is off: this bench compares the edge path with a direct
      // ledger call for the same work; bench:risk measures scoring itself.
      startServiceProcess({ name: "ledger", entry: "services/ledger/src/main.ts", env: { ...base, ...keys.env("ledger"), LEDGER_DATABASE_URL: ledgerDb, LEDGER_RISK_SCORING: "false" }, log }),
    ]);
    processes.identity = identity;
    processes.ledger = ledger;
    const jwksUrl = `${identity.url}/.well-known/jwks.json`;
    const bff = await startServiceProcess({
      name: "mobile-bff",
      entry: "services/mobile-bff/src/main.ts",
      // Notification is not started: neither measured RPC reaches it.
      env: { ...base, ...keys.env("mobile-bff"), IDENTITY_URL: identity.url, LEDGER_URL: ledger.url, IDENTITY_JWKS_URL: jwksUrl },
      log,
    });
    processes["mobile-bff"] = bff;
    const gateway = await startServiceProcess({
      name: "gateway",
      entry: "services/gateway/src/main.ts",
      nodeArgs: args.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${args.cpuProfileDir}`] : [],
      env: { ...base, ...keys.env("gateway"), ...gatewayLimits, MOBILE_BFF_URL: bff.url, IDENTITY_URL: identity.url, IDENTITY_JWKS_URL: jwksUrl },
      log,
    });
    processes.gateway = gateway;

    log(`preparing ${args.users} customers`);
    // Sign-up and login hash passwords (argon2id): a few at a time, or the BFF's upstream deadline passes.
    const users = await prepareUsers({ bff: bff.url, identity: identity.url, ledger: ledger.url }, sign, args.users, SETUP_CONCURRENCY);
    const { balance, transfer } = await measure(users, gateway.url, bff.url, sign, args, processes);

    const balanceRead = compare(balance, "GET /v1/accounts/{account_id}/balance (bearer token)", "wallet.bff.v1.MobileBffService/GetBalance (signed, x-internal-subject)");
    const transfers = compare(transfer, "POST /v1/transfers (bearer token, Idempotency-Key)", "wallet.bff.v1.MobileBffService/Transfer (signed, x-internal-subject)");
    emitResult({
      bench: "edge",
      startedAt: started.toISOString(),
      durationSeconds: round((Date.now() - started.getTime()) / 1000, 1),
      machine: await describeMachine(infra.postgresUrl),
      // 1/5/15-minute load averages when the run started: other load skews the figures (see machineBusyCores per phase).
      loadAverageAtStart: loadAtStart,
      parameters: {
        clients: args.common.clients,
        ...("seconds" in args.common.limit ? { seconds: args.common.limit.seconds } : { operations: args.common.limit.operations }),
        warmupSeconds: args.common.warmupSeconds,
        users: args.users,
        rounds: args.rounds,
        phaseOrder: `per operation: warm-up of both paths, then ${args.rounds} slices per path of 1/${args.rounds} of the phase each, interleaved direct, edge, edge, direct...`,
        edgeTransport: `REST/JSON over HTTP/1.1 keep-alive, up to ${args.common.clients} connections (one per client)`,
        directTransport: `gRPC over HTTP/2 (connect-node), ${args.connections} connection(s), HMAC-signed as ${DIRECT_CALLER}`,
        transferMinor: TRANSFER_MINOR,
        currency: CURRENCY,
        transferRecipient: "another random customer's wallet, by recipient_account_id",
        services: {
          processes: Object.keys(processes),
          nodeEnv: "production",
          logLevel: args.logLevel,
          gateway: { ...gatewayLimits, GATEWAY_RATE_LIMIT_WINDOW: "60s (default)" },
          identityAccessTokenTtl: tokenTtl,
        },
      },
      balanceRead,
      transfer: transfers,
      ratios: { balanceRead: balanceRead.edgeOverDirect, transfer: transfers.edgeOverDirect },
      targets: {
        balanceRead: balanceRead.target,
        transfer: transfers.target,
      },
    });
    return 0;
  } catch (err) {
    if (!(err instanceof BenchUnavailableError)) {
      for (const [name, proc] of Object.entries(processes)) log(`${name}'s last output:\n${proc.recentOutput()}`);
    }
    throw err;
  } finally {
    // The edge first, then what it calls.
    for (const name of ["gateway", "mobile-bff", "ledger", "identity"]) await processes[name]?.stop().catch(() => {});
    for (const url of [identityDb, ledgerDb]) await dropDatabase(url).catch((err: Error) => log(`could not drop ${url}: ${err.message}`));
    await infra.stop();
  }
}

runBench(main, log);
