/**
 * `npm run bench:risk`: ScoreTransaction latency and throughput over gRPC.
 *
 * 1. Finds PostgreSQL and Redis (POSTGRES_URL / REDIS_URL, else loopback, else
 *    containers), creates a throw-away risk database (OPS_RISK_DATABASE_URL)
 *    and migrates it (which seeds the default rules), picks a fresh
 *    RISK_REDIS_PREFIX.
 * 2. Starts risk's real entry point (`services/risk/src/main.ts`) as its own
 *    process on free ports, internal auth in hmac mode with a fresh key per caller,
 *    NODE_ENV=production; calls are signed as the ledger (its real caller).
 * 3. Scores a synthetic population: `--users` customers, each with one or two
 *    devices, a home IP (sometimes another from a shared pool), a few usual
 *    counterparties (sometimes a new one), amounts mostly small with a tail
 *    over the new-device, new-counterparty, structuring, review and step-up
 *    thresholds; transfers, withdrawals and holds. Each call has a fresh
 *    reference_id, so each one is recorded in the velocity windows.
 *    (a) open loop: `--rate` arrivals per second on a fixed schedule for
 *        `--seconds`, sent whether or not earlier calls have answered; latency
 *        from the scheduled send time (no coordinated omission). Target: p99
 *        under `--target-p99-ms` (5 ms, issue #6).
 *    (b) closed loop: `--clients` concurrent clients back to back, for the
 *        most decisions per second.
 *    (c) transport floor: the open loop of (a) on grpc.health.v1 Health/Check,
 *        what HTTP/2, connect, hmac and logging cost without any scoring.
 * 4. Stops risk, drops its database, deletes its Redis keys.
 *
 * Prints one JSON object on stdout; progress goes to stderr. Exit 0 on a
 * completed run (target met or not: the JSON says), 2 when risk answers
 * Unimplemented, 1 on any other failure.
 */
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Redis } from "ioredis";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { Channel } from "../../gen/wallet/common/v1/channel_pb.js";
import { MoneySchema } from "../../gen/wallet/common/v1/money_pb.js";
import { RiskService, ScoreTransactionRequestSchema, type ScoreTransactionRequest } from "../../gen/wallet/risk/v1/risk_service_pb.js";
import { Decision, TransactionKind } from "../../gen/wallet/risk/v1/scoring_pb.js";
import { dropDatabase, migrateServiceDatabase, withDatabase } from "../../platform/db/index.js";
import { resolveInfrastructureFromEnv, type Infrastructure } from "../../platform/testing/infrastructure.js";
import { deleteKeysWithPrefix } from "../../platform/testing/test-redis.js";
import { randomSuffix } from "../../platform/testing/unique-name.js";
import { commonHelp, intFlag, parseBenchArgs, type CommonBenchArgs } from "./lib/args.js";
import { codeName, runClosedLoop } from "./lib/closed-loop.js";
import { startCpuMeter } from "./lib/cpu.js";
import { describeMachine } from "./lib/machine.js";
import { runOpenLoop } from "./lib/open-loop.js";
import { BenchUnavailableError, createBenchLog, emitResult, runBench } from "./lib/output.js";
import { startServiceProcess, type ServiceProcess } from "./lib/service-process.js";
import { round, type PhaseSummary } from "./lib/stats.js";
import { createBenchKeys } from "./bench-keys.js";

const log = createBenchLog("risk");

const HELP = `npm run bench:risk -- [flags]

ScoreTransaction decisions per second and latency over gRPC against risk's real entry
point: (a) open loop at a fixed arrival rate, latency from the scheduled send time;
(b) closed loop, --clients back to back. JSON on stdout, progress on stderr.

${commonHelp}
  (--clients defaults to 16 here and applies to (b); --operations applies to (b); pgbench flags are ignored)
  --rate N             open-loop arrivals per second (default 200)
  --target-p99-ms MS   open-loop p99 target (default 5)
  --users N            customers the calls spread over (default 10000)
  --connections N      HTTP/2 connections the calls share (default 1, like one gRPC channel)
  --caller ID          internal caller the calls are signed as (default ledger)
  --log-level LEVEL    risk's LOG_LEVEL (default info, as in production; its output is discarded)
  --no-closed-loop     skip (b)
  --no-floor           skip (c), the same open loop on Health/Check (the transport's share)
  --cpu-prof DIR       write a V8 CPU profile of the risk process to DIR (open it in Chrome DevTools)

Servers: POSTGRES_URL and REDIS_URL (AMQP_URL passed on), else loopback, else containers.
The risk process inherits the environment, so its own tuning variables apply.`;

type RiskClient = Client<typeof RiskService>;

/** A customer of the synthetic population. */
interface Customer {
  readonly userId: string;
  readonly devices: readonly string[];
  readonly homeIp: string;
  readonly sourceAccountId: string;
  readonly counterparties: readonly string[];
}

/** An address in 198.18.0.0/15 (RFC 2544, benchmarking), from a number. */
const benchIp = (n: number) => `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}`;

/** Shared IP pool (mobile carriers, offices) some calls come from instead of the home IP. */
const SHARED_IPS = 256;

/** The population: devices, IPs and usual counterparties per customer. */
function makePopulation(users: number): Customer[] {
  const accounts = Array.from({ length: users }, () => randomUUID());
  return accounts.map((sourceAccountId, i) => ({
    userId: randomUUID(),
    devices: Array.from({ length: Math.random() < 0.3 ? 2 : 1 }, () => randomUUID()),
    homeIp: benchIp(SHARED_IPS + i),
    sourceAccountId,
    counterparties: Array.from({ length: 1 + Math.floor(Math.random() * 4) }, () => accounts[Math.floor(Math.random() * users)]!),
  }));
}

/**
 * An amount in EUR cents: mostly everyday (1-200 EUR), a tail over the
 * new-device (500), new-counterparty (1,000), structuring band (9,000-10,000),
 * review (10,000) and step-up (50,000) thresholds of the seeded rules.
 */
function amountMinor(): bigint {
  const r = Math.random();
  const eur =
    r < 0.9 ? 1 + Math.random() * 199
    : r < 0.97 ? 200 + Math.random() * 1_800
    : r < 0.99 ? 9_000 + Math.random() * 1_000
    : r < 0.998 ? 10_000 + Math.random() * 20_000
    : 50_000 + Math.random() * 50_000;
  return BigInt(Math.round(eur * 100));
}

/** One ScoreTransaction request from a random customer, with a fresh reference. */
function nextRequest(population: readonly Customer[]): ScoreTransactionRequest {
  const customer = population[Math.floor(Math.random() * population.length)]!;
  const device = customer.devices.length > 1 && Math.random() < 0.2 ? customer.devices[1]! : customer.devices[0]!;
  const ipAddress = Math.random() < 0.15 ? benchIp(Math.floor(Math.random() * SHARED_IPS)) : customer.homeIp;
  const k = Math.random();
  const transactionKind = k < 0.8 ? TransactionKind.TRANSFER : k < 0.95 ? TransactionKind.WITHDRAWAL : TransactionKind.HOLD;
  const counterparty: ScoreTransactionRequest["counterparty"] =
    transactionKind !== TransactionKind.TRANSFER
      ? { case: undefined, value: undefined }
      : Math.random() < 0.2
        ? { case: "counterpartyAccountId", value: randomUUID() }
        : { case: "counterpartyAccountId", value: customer.counterparties[Math.floor(Math.random() * customer.counterparties.length)]! };
  return create(ScoreTransactionRequestSchema, {
    userId: customer.userId,
    deviceId: device,
    ipAddress,
    channel: Math.random() < 0.85 ? Channel.MOBILE_APP : Channel.WEB,
    transactionKind,
    amount: create(MoneySchema, { amountMinor: amountMinor(), currency: "EUR" }),
    sourceAccountId: customer.sourceAccountId,
    counterparty,
    referenceId: randomUUID(),
  });
}

/** Decisions by outcome name, counted as calls answer. */
type Outcomes = Record<string, number>;

/** A scoring operation that counts outcomes into `outcomes`, spreading calls over the clients. */
function scorer(clients: readonly RiskClient[], population: readonly Customer[], outcomes: Outcomes) {
  return async (sequence: number) => {
    const response = await clients[sequence % clients.length]!.scoreTransaction(nextRequest(population));
    const name = Decision[response.decision] ?? String(response.decision);
    outcomes[name] = (outcomes[name] ?? 0) + 1;
  };
}

/** A phase's figures with its rate named for what it counts. */
const asDecisions = ({ perSecond, ...rest }: PhaseSummary) => ({ decisionsPerSecond: perSecond, ...rest });

/** Turns Unimplemented into the "not benchmarkable yet" failure. */
async function probe(client: RiskClient, population: readonly Customer[]): Promise<void> {
  try {
    await client.scoreTransaction(nextRequest(population));
  } catch (err) {
    const error = ConnectError.from(err);
    if (error.code === Code.Unimplemented) throw new BenchUnavailableError("risk does not implement ScoreTransaction yet (it answers Unimplemented)");
    throw new Error(`the probe ScoreTransaction failed: [${codeName(error)}] ${error.rawMessage}`, { cause: error });
  }
}

/**
 * (c) The same open loop calling grpc.health.v1 Health/Check on the same
 * connection(s): the transport's share (HTTP/2, connect, hmac, logging) of a
 * decision's latency, without Redis or rules.
 */
async function measureFloor(args: ReturnType<typeof readArgs>, health: Client<typeof Health>, seconds: number) {
  log(`transport floor: Health/Check at ${args.rate}/s for ${seconds} s`);
  const floor = await runOpenLoop({
    ratePerSecond: args.rate,
    seconds,
    operation: () => health.check({}),
    onFirstError: (code, error) => log(`transport floor: first ${code} error: ${error.rawMessage}`),
  });
  log(`transport floor: p50 ${floor.latencyMs.p50} ms, p99 ${floor.latencyMs.p99} ms`);
  return { rpc: "grpc.health.v1.Health/Check", callsPerSecond: floor.perSecond, latencyMs: floor.latencyMs, errors: floor.errors };
}

async function measure(args: ReturnType<typeof readArgs>, clients: readonly RiskClient[], population: readonly Customer[], adminUrl: string) {
  const common: CommonBenchArgs = args.common;
  await probe(clients[0]!, population);
  if (common.warmupSeconds > 0) {
    log(`warm-up: ${common.warmupSeconds} s open loop at ${args.rate}/s`);
    await runOpenLoop({ ratePerSecond: args.rate, seconds: common.warmupSeconds, operation: scorer(clients, population, {}) });
  }

  const openSeconds = "seconds" in common.limit ? common.limit.seconds : 10;
  log(`open loop: ${args.rate} decisions/s for ${openSeconds} s`);
  const openOutcomes: Outcomes = {};
  let cpu = await startCpuMeter(adminUrl);
  const open = await runOpenLoop({
    ratePerSecond: args.rate,
    seconds: openSeconds,
    operation: scorer(clients, population, openOutcomes),
    onFirstError: (code, error) => log(`open loop: first ${code} error: ${error.rawMessage}`),
  });
  const openCpu = await cpu();
  const met = open.errors === 0 && open.latencyMs.p99 < args.targetP99Ms;
  log(
    `open loop: ${open.perSecond}/s, p50 ${open.latencyMs.p50} ms, p99 ${open.latencyMs.p99} ms, max ${open.latencyMs.max} ms, ` +
      `${open.errors} errors; p99 < ${args.targetP99Ms} ms: ${met}`,
  );
  const { perSecond: openRate, targetPerSecond, ...openRest } = open;
  const openLoop = {
    targetDecisionsPerSecond: targetPerSecond,
    decisionsPerSecond: openRate,
    ...openRest,
    decisionsByOutcome: openOutcomes,
    cpu: openCpu,
    target: { p99BelowMs: args.targetP99Ms, met },
  };

  let closedLoop: Record<string, unknown> = { skipped: "--no-closed-loop" };
  if (args.closedLoop) {
    log(`closed loop: ${common.clients} clients`);
    const outcomes: Outcomes = {};
    cpu = await startCpuMeter(adminUrl);
    const score = scorer(clients, population, outcomes);
    const closed = await runClosedLoop({
      clients: common.clients,
      limit: common.limit,
      operation: (_client, sequence) => score(sequence),
      onFirstError: (code, error) => log(`closed loop: first ${code} error: ${error.rawMessage}`),
    });
    const closedCpu = await cpu();
    log(`closed loop: ${closed.perSecond}/s, p50 ${closed.latencyMs.p50} ms, p99 ${closed.latencyMs.p99} ms, ${closed.errors} errors`);
    closedLoop = { clients: common.clients, ...asDecisions(closed), decisionsByOutcome: outcomes, cpu: closedCpu };
  }
  return { openLoop, closedLoop, openSeconds };
}

/** Reads the flags; prints help and exits for --help. */
function readArgs() {
  const { common, help, values } = parseBenchArgs(process.argv.slice(2), {
    clients: { type: "string", default: "16" },
    rate: { type: "string", default: "200" },
    "target-p99-ms": { type: "string", default: "5" },
    users: { type: "string", default: "10000" },
    connections: { type: "string", default: "1" },
    caller: { type: "string", default: "ledger" },
    "log-level": { type: "string", default: "info" },
    "no-closed-loop": { type: "boolean", default: false },
    "cpu-prof": { type: "string" },
    "no-floor": { type: "boolean", default: false },
  });
  if (help) {
    process.stderr.write(`${HELP}\n`);
    process.exit(0);
  }
  return {
    common,
    rate: intFlag("rate", values.rate as string, 1, 100_000),
    targetP99Ms: intFlag("target-p99-ms", values["target-p99-ms"] as string, 1, 60_000),
    users: intFlag("users", values.users as string, 1, 10_000_000),
    connections: intFlag("connections", values.connections as string, 1, 256),
    caller: String(values.caller),
    logLevel: String(values["log-level"]),
    closedLoop: !values["no-closed-loop"],
    floor: !values["no-floor"],
    cpuProfileDir: values["cpu-prof"] === undefined ? undefined : String(values["cpu-prof"]),
  };
}

async function main(): Promise<number> {
  const args = readArgs();
  const started = new Date();
  const infra: Infrastructure = await resolveInfrastructureFromEnv();
  const databaseUrl = withDatabase(infra.postgresUrl, `bench_risk_${randomSuffix()}`);
  const redisPrefix = `bench-risk-${randomSuffix()}:`;
  const keys = createBenchKeys();
  let risk: ServiceProcess | undefined;
  try {
    log(`servers: postgres ${infra.sources.postgres}, redis ${infra.sources.redis}`);
    const { applied } = await migrateServiceDatabase({ owner: "risk" }, databaseUrl, { onWarning: log });
    log(`risk database migrated (${applied.length} migrations)`);
    risk = await startServiceProcess({
      name: "risk",
      entry: "services/risk/src/main.ts",
      nodeArgs: args.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${args.cpuProfileDir}`] : [],
      env: {
        ...process.env,
        NODE_ENV: "production",
        LOG_LEVEL: args.logLevel,
        OPS_RISK_DATABASE_URL: databaseUrl,
        REDIS_URL: infra.redisUrl,
        AMQP_URL: infra.amqpUrl,
        RISK_REDIS_PREFIX: redisPrefix,
        ...keys.env("risk"),
        INTERNAL_API_KEYS: "",
      },
      log,
    });
    const interceptor = keys.sign(args.caller);
    const clients = Array.from({ length: args.connections }, () =>
      createClient(RiskService, createGrpcTransport({ baseUrl: risk!.url, interceptors: [interceptor] })),
    );
    const population = makePopulation(args.users);
    const { openLoop, closedLoop, openSeconds } = await measure(args, clients, population, risk.adminUrl);
    const transportFloor = args.floor
      ? await measureFloor(args, createClient(Health, createGrpcTransport({ baseUrl: risk.url, interceptors: [interceptor] })), openSeconds)
      : { skipped: "--no-floor" };
    emitResult({
      bench: "risk",
      startedAt: started.toISOString(),
      durationSeconds: round((Date.now() - started.getTime()) / 1000, 1),
      machine: await describeMachine(infra.postgresUrl),
      parameters: {
        rate: args.rate,
        clients: args.common.clients,
        ...("seconds" in args.common.limit ? { seconds: args.common.limit.seconds } : { operations: args.common.limit.operations }),
        warmupSeconds: args.common.warmupSeconds,
        users: args.users,
        connections: args.connections,
        caller: args.caller,
        transport: "gRPC over HTTP/2 (connect-node), HMAC-signed",
        risk: { process: "services/risk/src/main.ts", nodeEnv: "production", logLevel: args.logLevel, rules: "seeded defaults (migration 0002)" },
        workload:
          "uniform random customer; 1-2 devices each; home IP, 15% from a 256-address shared pool; 80% transfers (20% to a new counterparty), " +
          "15% withdrawals, 5% holds; EUR amounts 90% 1-200, 7% 200-2,000, 2% 9,000-10,000, 0.8% 10,000-30,000, 0.2% 50,000-100,000; fresh reference_id each",
      },
      openLoop,
      closedLoop,
      transportFloor,
    });
    return 0;
  } catch (err) {
    if (risk && !(err instanceof BenchUnavailableError)) log(`risk's last output:\n${risk.recentOutput()}`);
    throw err;
  } finally {
    await risk?.stop().catch(() => {});
    await dropDatabase(databaseUrl).catch((err: Error) => log(`could not drop ${databaseUrl}: ${err.message}`));
    const redis = new Redis(infra.redisUrl, { maxRetriesPerRequest: 2 });
    await deleteKeysWithPrefix(redis, redisPrefix)
      .then((n) => log(`deleted ${n} Redis keys under ${redisPrefix}`))
      .catch((err: Error) => log(`could not delete Redis keys under ${redisPrefix}: ${err.message}`));
    await redis.quit().catch(() => redis.disconnect());
    await infra.stop();
  }
}

runBench(main, log);
