/**
 * `npm run bench:ledger`: the ledger's transfer throughput over gRPC, beside
 * PostgreSQL's own pgbench tpcb-like rate on the same server.
 *
 * 1. Finds PostgreSQL and Redis (POSTGRES_URL / REDIS_URL, else loopback, else
 *    containers), creates a throw-away ledger database and migrates it.
 * 2. Starts the ledger's real entry point (`services/ledger/src/main.ts`) as
 *    its own process on free ports, internal auth in hmac mode with a fresh
 *    key per caller, exactly as `npm start` runs it.
 * 3. Opens `--accounts` user wallets and a merchant wallet, tops the users up.
 * 4. Drives Transfer over gRPC (HTTP/2, signed) from `--clients` concurrent
 *    clients, each transfer with a fresh idempotency key: a warm-up, then
 *    (a) uniform: random distinct pairs of users, (b) hot: random users paying
 *    the one merchant. Then (c) batch: the same clients call CreateTransfers
 *    with `--batch-size` uniform transfers each (own keys, not atomic), signed
 *    as the payments system (the call graph gives the RPC to it alone), after
 *    a warm-up of its own; counted per transfer (a refused result is an
 *    error), latency per call. Then VerifyIntegrity.
 * 5. Stops the ledger, drops its database, runs pgbench tpcb-like at the same
 *    client count in a throw-away database when pgbench is installed.
 *
 * Every phase reports the ledger process's CPU milliseconds per transfer
 * (its cores during the phase over the transfer rate), and the JSON has the
 * ratios uniform/pgbench, hot/uniform and batch/pgbench with their targets,
 * and the uniform CPU per transfer against its ceiling.
 *
 * Prints one JSON object on stdout; progress goes to stderr. Exit 0 on a
 * completed run, 2 when the ledger cannot be benchmarked yet (OpenAccount,
 * TopUp or Transfer answers Unimplemented; an Unimplemented CreateTransfers
 * only skips the batch phase), 1 on any other failure. Databases are dropped
 * in every case.
 */
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AccountKind } from "../../gen/wallet/ledger/v1/account_pb.js";
import { LedgerService, type CreateTransfersResponse } from "../../gen/wallet/ledger/v1/ledger_service_pb.js";
import { MoneySchema } from "../../gen/wallet/common/v1/money_pb.js";
import { dropDatabase, migrateServiceDatabase, withDatabase } from "../../platform/db/index.js";
import { resolveInfrastructureFromEnv, type Infrastructure } from "../../platform/testing/infrastructure.js";
import { randomSuffix } from "../../platform/testing/unique-name.js";
import { commonHelp, intFlag, parseBenchArgs, type CommonBenchArgs } from "./lib/args.js";
import { codeName, runClosedLoop, type OperationUnits } from "./lib/closed-loop.js";
import { readMetricsPage, startCpuMeter, type CpuUse } from "./lib/cpu.js";
import { describeMachine } from "./lib/machine.js";
import { BenchUnavailableError, createBenchLog, emitResult, runBench } from "./lib/output.js";
import { pgbenchVersion, runPgbenchTpcb, type PgbenchResult } from "./lib/pgbench.js";
import { startServiceProcess, type ServiceProcess } from "./lib/service-process.js";
import { checkTarget, cpuMsPerUnit, ratio, round, type PhaseSummary, type UnitsSummary } from "./lib/stats.js";
import { createBenchKeys } from "./bench-keys.js";

const log = createBenchLog("ledger");

const HELP = `npm run bench:ledger -- [flags]

Transfers per second, latency and the ledger's CPU ms per transfer over gRPC: uniform,
hot-account, and CreateTransfers batches (signed as payments; counted per transfer, latency
per call; skipped while the ledger answers Unimplemented), against pgbench tpcb-like on the
same PostgreSQL. Targets: uniform/pgbench 0.5, hot/uniform 0.8, batch/pgbench 2, uniform CPU
at most 0.4 ms per transfer. JSON on stdout, progress on stderr.

${commonHelp}
  --accounts N         user wallets transfers spread over (default 1000)
  --connections N      HTTP/2 connections the clients share (default 1, like one gRPC channel)
  --caller ID          internal caller the transfers are signed as (default mobile-bff)
  --log-level LEVEL    the ledger's LOG_LEVEL (default info, as in production; its output is discarded)
  --batch-size N       transfers per CreateTransfers call in the batch phase (default 100, at most 1000)
  --cpu-prof DIR       write a V8 CPU profile of the ledger process to DIR (open it in Chrome DevTools)

Servers: POSTGRES_URL, REDIS_URL and AMQP_URL, else loopback, else containers.
The ledger process inherits the environment, so its own tuning variables apply.`;

/** Currency of every bench account. */
const CURRENCY = "EUR";
/** What each user is topped up with: far more than a run can spend at one unit per transfer. */
const TOP_UP_MINOR = 1_000_000_000n;
/** Each transfer moves one minor unit: the amount does not change the work. */
const TRANSFER_MINOR = 1n;
/** Caller ids the set-up is signed as, as the call graph allows: accounts open through the BFF, money comes from the payments system, the backoffice checks integrity. */
const SETUP_CALLERS = { opener: "mobile-bff", funder: "payments", auditor: "backoffice" } as const;
/** The caller of the batch phase: the call graph gives CreateTransfers (bulk payouts) to the payments system alone. */
const BATCH_CALLER = "payments";
/** What the batch phase reports while the ledger answers CreateTransfers with Unimplemented. */
const BATCH_UNIMPLEMENTED = "the ledger does not implement CreateTransfers yet";

type LedgerClient = Client<typeof LedgerService>;

/** The accounts a run uses. */
interface BenchAccounts {
  readonly users: readonly string[];
  readonly merchant: string;
}

/** Makes `count` clients over `connections` HTTP/2 connections, each signing as `callerId`. */
function ledgerClients(url: string, connections: number, interceptor: Interceptor): LedgerClient[] {
  return Array.from({ length: connections }, () => createClient(LedgerService, createGrpcTransport({ baseUrl: url, interceptors: [interceptor] })));
}

/** Turns Unimplemented into the "not benchmarkable yet" failure, naming the RPC. */
async function requireImplemented<T>(rpc: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const error = ConnectError.from(err);
    if (error.code === Code.Unimplemented) {
      throw new BenchUnavailableError(`the ledger does not implement ${rpc} yet (it answers Unimplemented): nothing to benchmark`);
    }
    throw new Error(`${rpc} failed during set-up: [${codeName(error)}] ${error.rawMessage}`, { cause: error });
  }
}

const money = (amountMinor: bigint) => create(MoneySchema, { amountMinor, currency: CURRENCY });

/** Opens a user wallet and returns its id. */
async function openWallet(client: LedgerClient, ownerUserId: string): Promise<string> {
  const { account } = await requireImplemented("OpenAccount", () =>
    client.openAccount({ ownerUserId, kind: AccountKind.USER_WALLET, currency: CURRENCY, idempotencyKey: randomUUID() }),
  );
  if (!account?.id) throw new Error("OpenAccount answered without an account id");
  return account.id;
}

/** Opens the users and the merchant and tops every user up, `clients` calls at a time. */
async function openAccounts(setup: { opener: LedgerClient; funder: LedgerClient }, count: number, clients: number): Promise<BenchAccounts> {
  const run = `bench-${randomSuffix()}`;
  const merchant = await openWallet(setup.opener, `${run}-merchant`);
  const users: string[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const id = await openWallet(setup.opener, `${run}-user-${index}`);
      await requireImplemented("TopUp", () =>
        setup.funder.topUp({ accountId: id, amount: money(TOP_UP_MINOR), description: "bench funding", idempotencyKey: randomUUID() }),
      );
      users[index] = id;
    }
  };
  await Promise.all(Array.from({ length: Math.min(clients, count) }, worker));
  return { users, merchant };
}

/** A random index in [0, n). */
const pick = (n: number) => Math.floor(Math.random() * n);

/** Two distinct random users. */
function randomPair(users: readonly string[]): [string, string] {
  const from = pick(users.length);
  const to = (from + 1 + pick(users.length - 1)) % users.length;
  return [users[from]!, users[to]!];
}

/** One transfer request with a fresh idempotency key. */
const transferRequest = (from: string, to: string) => ({
  fromAccountId: from,
  toAccountId: to,
  amount: money(TRANSFER_MINOR),
  description: "bench",
  idempotencyKey: randomUUID(),
});

/** One transfer. */
function transfer(client: LedgerClient, from: string, to: string): Promise<unknown> {
  return client.transfer(transferRequest(from, to));
}

/** A measured phase: its figures and the CPU it took. */
type MeasuredPhase = PhaseSummary & { readonly cpu: CpuUse; readonly movementsPerDatabaseCall?: number | null };

/** The batch phase: calls measured like a phase, their transfers counted as units. */
type BatchPhase = MeasuredPhase & { readonly units: UnitsSummary };

/** A phase that could not run, and why. */
type Skipped = { readonly skipped: string };

/** The group commit's `ledger_movements_per_call` sum and count from the ledger's /metrics. */
async function groupCommitTotals(adminUrl: string): Promise<{ sum: number; count: number } | undefined> {
  const page = await readMetricsPage(adminUrl);
  if (page === undefined) return undefined;
  const value = (suffix: string) => Number(new RegExp(`^ledger_movements_per_call_${suffix}\\{[^}]*source="group_commit"[^}]*\\} ([\\d.eE+-]+)$`, "m").exec(page)?.[1]);
  const totals = { sum: value("sum"), count: value("count") };
  return Number.isFinite(totals.sum) && Number.isFinite(totals.count) ? totals : undefined;
}

/** Starts measuring how many movements each group commit carried; the returned function gives the phase's mean. */
async function startGroupCommitMeter(adminUrl: string): Promise<() => Promise<number | null>> {
  const before = await groupCommitTotals(adminUrl);
  return async () => {
    const after = await groupCommitTotals(adminUrl);
    if (!before || !after || after.count === before.count) return null;
    return round((after.sum - before.sum) / (after.count - before.count), 1);
  };
}

/** The measured part: warm-up, uniform, hot. */
async function measure(
  clients: readonly LedgerClient[],
  accounts: BenchAccounts,
  args: CommonBenchArgs,
  ledgerAdminUrl: string,
): Promise<{ uniform: MeasuredPhase; hot: MeasuredPhase }> {
  const clientOf = (worker: number) => clients[worker % clients.length]!;
  const uniform = (worker: number) => {
    const [from, to] = randomPair(accounts.users);
    return transfer(clientOf(worker), from, to);
  };
  const hot = (worker: number) => transfer(clientOf(worker), accounts.users[pick(accounts.users.length)]!, accounts.merchant);
  const phase = async (name: string, description: string, operation: (worker: number) => Promise<unknown>): Promise<MeasuredPhase> => {
    log(`${name}: ${args.clients} clients ${description}`);
    const cpu = await startCpuMeter(ledgerAdminUrl);
    const calls = await startGroupCommitMeter(ledgerAdminUrl);
    const summary = await runClosedLoop({
      clients: args.clients,
      limit: args.limit,
      operation,
      onFirstError: (code, error) => log(`${name}: first ${code} error: ${error.rawMessage}`),
    });
    const result = { ...summary, cpu: await cpu(), movementsPerDatabaseCall: await calls() };
    log(
      `${name}: ${summary.perSecond} transfers/s, p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, ${summary.errors} errors; ` +
        `cpu cores: ledger ${result.cpu.serviceCores ?? "?"}, bench ${result.cpu.benchClientCores}, machine ${result.cpu.machineBusyCores ?? "?"}; ` +
        `movements per database call ${result.movementsPerDatabaseCall ?? "?"}`,
    );
    return result;
  };

  await requireImplemented("Transfer", () => uniform(0));
  if (args.warmupSeconds > 0) {
    log(`warm-up: ${args.warmupSeconds} s`);
    await runClosedLoop({ clients: args.clients, limit: { seconds: args.warmupSeconds }, operation: uniform });
  }
  return {
    uniform: await phase("uniform", `over ${accounts.users.length} accounts`, uniform),
    hot: await phase("hot", "paying one merchant account", hot),
  };
}

/** One CreateTransfers call of `size` uniform transfers, each with its own key; not atomic, so a refusal fails no other. */
function createBatch(client: LedgerClient, users: readonly string[], size: number): Promise<CreateTransfersResponse> {
  const transfers = Array.from({ length: size }, () => transferRequest(...randomPair(users)));
  return client.createTransfers({ transfers, atomic: false });
}

/** A CreateTransfers answer in transfers: a posted result is one done, a refused one an error under its own code. */
function transfersOf({ results }: CreateTransfersResponse): OperationUnits {
  let done = 0;
  const refused: ConnectError[] = [];
  for (const { outcome } of results) {
    if (outcome.case === "posted") done++;
    else if (outcome.case === "refused") refused.push(new ConnectError(outcome.value.message, outcome.value.code as Code));
    else refused.push(new ConnectError("a result with neither posted nor refused", Code.Unknown));
  }
  return { done, refused };
}

/**
 * One CreateTransfers call before the phase: the ledger may not serve it yet
 * (the RPC landed after the other phases), and that must cost the batch
 * figures only. Any other failure is a set-up error, as for Transfer.
 */
async function probeBatches(call: () => Promise<unknown>): Promise<Skipped | undefined> {
  try {
    await call();
    return undefined;
  } catch (err) {
    const error = ConnectError.from(err);
    if (error.code === Code.Unimplemented) return { skipped: BATCH_UNIMPLEMENTED };
    throw new Error(`CreateTransfers failed during set-up: [${codeName(error)}] ${error.rawMessage}`, { cause: error });
  }
}

/**
 * The batch phase: the same client count, each calling CreateTransfers with
 * `size` uniform transfers, after a warm-up of its own (its parsing and
 * result building are code the uniform warm-up never ran). Transfers are the
 * units; latency is per call.
 */
async function measureBatches(
  clients: readonly LedgerClient[],
  accounts: BenchAccounts,
  args: CommonBenchArgs,
  size: number,
  ledgerAdminUrl: string,
): Promise<BatchPhase | Skipped> {
  const batch = (worker: number) => createBatch(clients[worker % clients.length]!, accounts.users, size);
  const skipped = await probeBatches(() => batch(0));
  if (skipped) {
    log(`batch: skipped, ${skipped.skipped}`);
    return skipped;
  }
  if (args.warmupSeconds > 0) {
    log(`batch warm-up: ${args.warmupSeconds} s`);
    await runClosedLoop({ clients: args.clients, limit: { seconds: args.warmupSeconds }, operation: batch });
  }
  log(`batch: ${args.clients} clients calling CreateTransfers with ${size} transfers each`);
  const cpu = await startCpuMeter(ledgerAdminUrl);
  const summary = await runClosedLoop({
    clients: args.clients,
    limit: args.limit,
    operation: batch,
    unitsOf: transfersOf,
    onFirstError: (code, error) => log(`batch: first ${code} error of a whole call: ${error.rawMessage}`),
    onFirstRefusal: (code, error) => log(`batch: first refused transfer: ${code}: ${error.rawMessage}`),
  });
  const result = { ...summary, cpu: await cpu() };
  log(
    `batch: ${summary.units.perSecond} transfers/s (${summary.perSecond} calls/s), call p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, ` +
      `${summary.units.errors} refused transfers, ${summary.errors} failed calls; ` +
      `cpu cores: ledger ${result.cpu.serviceCores ?? "?"}, bench ${result.cpu.benchClientCores}, machine ${result.cpu.machineBusyCores ?? "?"}`,
  );
  return result;
}

/** VerifyIntegrity after the run: the bench also checks nothing was lost. */
async function integrity(client: LedgerClient): Promise<Record<string, unknown>> {
  try {
    const result = await client.verifyIntegrity({});
    return {
      clean: result.discrepancies.length === 0 && result.unbalancedCurrencies.length === 0,
      accountsChecked: result.accountsChecked,
      postingsChecked: result.postingsChecked,
      discrepancies: result.discrepancies.length,
      unbalancedCurrencies: result.unbalancedCurrencies.length,
    };
  } catch (err) {
    const error = ConnectError.from(err);
    return { clean: null, error: `[${codeName(error)}] ${error.rawMessage}` };
  }
}

/** A phase summary with its rate named for what it counts, and the ledger's CPU per transfer. */
function asTransfers({ perSecond, ...rest }: MeasuredPhase) {
  return { transfersPerSecond: perSecond, ledgerCpuMsPerTransfer: cpuMsPerUnit(rest.cpu.serviceCores, perSecond), ...rest };
}

/**
 * The batch phase's figures, each named for what it counts: the rate, the
 * errors and the ledger's CPU per transfer (comparable with the other
 * phases), calls and their latency per CreateTransfers call.
 */
function asBatch(batch: BatchPhase | Skipped, transfersPerCall: number) {
  if ("skipped" in batch) return batch;
  const { units, operations, errors, errorsByCode, perSecond, latencyMs, elapsedSeconds, cpu } = batch;
  return {
    transfersPerSecond: units.perSecond,
    ledgerCpuMsPerTransfer: cpuMsPerUnit(cpu.serviceCores, units.perSecond),
    transfersPerCall,
    transfers: units.units,
    errors: units.errors,
    errorsByCode: units.errorsByCode,
    calls: operations,
    failedCalls: errors,
    failedCallsByCode: errorsByCode,
    callsPerSecond: perSecond,
    callLatencyMs: latencyMs,
    elapsedSeconds,
    cpu,
    note: "transfersPerSecond, transfers, errors and ledgerCpuMsPerTransfer count transfers (a refused result is an error); calls, failedCalls, callsPerSecond and callLatencyMs count CreateTransfers calls",
  };
}

/** Reads the flags; prints help and exits for --help. */
function readArgs() {
  const { common, help, values } = parseBenchArgs(process.argv.slice(2), {
    accounts: { type: "string", default: "1000" },
    connections: { type: "string", default: "1" },
    caller: { type: "string", default: "mobile-bff" },
    "batch-size": { type: "string", default: "100" },
    "log-level": { type: "string", default: "info" },
    "cpu-prof": { type: "string" },
  });
  if (help) {
    process.stderr.write(`${HELP}\n`);
    process.exit(0);
  }
  return {
    common,
    accounts: intFlag("accounts", values.accounts as string, 2, 1_000_000),
    connections: intFlag("connections", values.connections as string, 1, 256),
    caller: String(values.caller),
    batchSize: intFlag("batch-size", values["batch-size"] as string, 1, 1_000),
    logLevel: String(values["log-level"]),
    cpuProfileDir: values["cpu-prof"] === undefined ? undefined : String(values["cpu-prof"]),
  };
}

async function main(): Promise<number> {
  const args = readArgs();
  const started = new Date();
  const infra: Infrastructure = await resolveInfrastructureFromEnv();
  const databaseUrl = withDatabase(infra.postgresUrl, `bench_ledger_${randomSuffix()}`);
  const keys = createBenchKeys();
  let ledger: ServiceProcess | undefined;
  try {
    log(`servers: postgres ${infra.sources.postgres}, redis ${infra.sources.redis}`);
    const { applied } = await migrateServiceDatabase({ owner: "ledger" }, databaseUrl, { onWarning: log });
    log(`ledger database migrated (${applied.length} migrations)`);
    ledger = await startServiceProcess({
      name: "ledger",
      entry: "services/ledger/src/main.ts",
      nodeArgs: args.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${args.cpuProfileDir}`] : [],
      env: {
        ...process.env,
        NODE_ENV: "production",
        LOG_LEVEL: args.logLevel,
        LEDGER_DATABASE_URL: databaseUrl,
        REDIS_URL: infra.redisUrl,
        AMQP_URL: infra.amqpUrl,
        ...keys.env("ledger"),
        INTERNAL_API_KEYS: "",
      },
      log,
    });
    const setup = {
      opener: ledgerClients(ledger.url, 1, keys.sign(SETUP_CALLERS.opener))[0]!,
      funder: ledgerClients(ledger.url, 1, keys.sign(SETUP_CALLERS.funder))[0]!,
    };
    log(`opening ${args.accounts} accounts and topping them up`);
    const accounts = await openAccounts(setup, args.accounts, args.common.clients);
    const { uniform, hot } = await measure(ledgerClients(ledger.url, args.connections, keys.sign(args.caller)), accounts, args.common, ledger.adminUrl);
    const batch = await measureBatches(ledgerClients(ledger.url, args.connections, keys.sign(BATCH_CALLER)), accounts, args.common, args.batchSize, ledger.adminUrl);
    const check = await integrity(ledgerClients(ledger.url, 1, keys.sign(SETUP_CALLERS.auditor))[0]!);
    log(`integrity: ${check.clean === true ? "clean" : JSON.stringify(check)}`);
    await ledger.stop();
    ledger = undefined;
    await dropDatabase(databaseUrl);

    let pgbench: PgbenchResult | { skipped: string } = { skipped: "--no-pgbench" };
    if (args.common.pgbench) {
      pgbench = (await pgbenchVersion())
        ? await runPgbenchTpcb({
            postgresUrl: infra.postgresUrl,
            clients: args.common.clients,
            threads: Math.min(args.common.pgbenchThreads, args.common.clients),
            seconds: "seconds" in args.common.limit ? args.common.limit.seconds : Math.max(1, Math.round(uniform.elapsedSeconds)),
            scale: args.common.pgbenchScale,
            log,
          })
        : { skipped: "pgbench is not installed" };
      if ("tps" in pgbench) log(`pgbench tpcb-like: ${pgbench.tps} tps`);
    }
    const pgbenchTps = "tps" in pgbench ? pgbench.tps : undefined;
    const batchPerSecond = "skipped" in batch ? undefined : batch.units.perSecond;
    const ratios = {
      uniformOverPgbench: ratio(uniform.perSecond, pgbenchTps),
      hotOverUniform: ratio(hot.perSecond, uniform.perSecond),
      batchOverPgbench: ratio(batchPerSecond, pgbenchTps),
      batchOverUniform: ratio(batchPerSecond, uniform.perSecond),
    };
    const uniformCpu = cpuMsPerUnit(uniform.cpu.serviceCores, uniform.perSecond);
    emitResult({
      bench: "ledger",
      startedAt: started.toISOString(),
      durationSeconds: round((Date.now() - started.getTime()) / 1000, 1),
      machine: await describeMachine(infra.postgresUrl),
      parameters: {
        clients: args.common.clients,
        ...("seconds" in args.common.limit ? { seconds: args.common.limit.seconds } : { operations: args.common.limit.operations }),
        warmupSeconds: args.common.warmupSeconds,
        accounts: args.accounts,
        connections: args.connections,
        caller: args.caller,
        transport: "gRPC over HTTP/2 (connect-node), HMAC-signed",
        ledger: { process: "services/ledger/src/main.ts", nodeEnv: "production", logLevel: args.logLevel },
        batchSize: args.batchSize,
        batchCaller: BATCH_CALLER,
        transferMinor: TRANSFER_MINOR,
        currency: CURRENCY,
      },
      uniform: asTransfers(uniform),
      hotAccount: asTransfers(hot),
      batch: asBatch(batch, args.batchSize),
      integrity: check,
      pgbench,
      ratios,
      targets: {
        uniformOverPgbench: checkTarget(ratios.uniformOverPgbench, 0.5),
        hotOverUniform: checkTarget(ratios.hotOverUniform, 0.8),
        batchOverPgbench: checkTarget(ratios.batchOverPgbench, 2),
        uniformLedgerCpuMsPerTransfer: checkTarget(uniformCpu, 0.4, "at-most"),
      },
    });
    return 0;
  } catch (err) {
    if (ledger && !(err instanceof BenchUnavailableError)) log(`the ledger's last output:\n${ledger.recentOutput()}`);
    throw err;
  } finally {
    await ledger?.stop().catch(() => {});
    await dropDatabase(databaseUrl).catch((err: Error) => log(`could not drop ${databaseUrl}: ${err.message}`));
    await infra.stop();
  }
}

runBench(main, log);
