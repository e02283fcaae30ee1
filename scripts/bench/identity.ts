/**
 * `npm run bench:identity`: what authentication costs.
 *
 * (a) Access-token verification, in process, single thread: the platform
 *     verifier (`createAccessTokenVerifier`) against ES256 tokens from a
 *     two-key set (current and previous key, as during a rotation overlap)
 *     served by a local JWKS endpoint. The key set is fetched once and cached,
 *     as in every service: the figure is the per-request cost of
 *     authentication at the edge. One verification at a time.
 * (b) Logins over gRPC: a throw-away identity database, migrated; identity's
 *     real entry point (`services/identity/src/main.ts`) as its own process,
 *     hmac internal auth, `NODE_ENV=production`; `--users` customers signed
 *     up; then `--clients` concurrent clients calling Login (password check
 *     with argon2id, session, refresh token and access token) over HTTP/2.
 *     The argon2 parameters are the ones identity parses from the
 *     environment it is given. One access token from a login is verified
 *     against identity's own `/.well-known/jwks.json` as a cross-check.
 *     While identity answers Login with Unimplemented, (b) reports
 *     `{ "skipped": reason }`.
 *
 * Prints one JSON object on stdout; progress goes to stderr. Exit 0 on a
 * completed run, 1 on a failure (the JSON still carries what was measured).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { z } from "zod";
import { Platform } from "../../gen/wallet/identity/v1/device_pb.js";
import { IdentityService } from "../../gen/wallet/identity/v1/identity_service_pb.js";
import { createAccessTokenVerifier } from "../../platform/access-tokens/index.js";
import { createTestSigningKey, signTestAccessToken, startTestJwksServer } from "../../platform/access-tokens/testing/index.js";
import { dropDatabase, migrateServiceDatabase, withDatabase } from "../../platform/db/index.js";
import { resolveInfrastructureFromEnv, type Infrastructure } from "../../platform/testing/infrastructure.js";
import { randomSuffix } from "../../platform/testing/unique-name.js";
import { identityConfigFields } from "../../services/identity/src/config.js";
import { commonHelp, intFlag, parseBenchArgs, type CommonBenchArgs } from "./lib/args.js";
import { codeName, runClosedLoop } from "./lib/closed-loop.js";
import { startCpuMeter, type CpuUse } from "./lib/cpu.js";
import { describeMachine } from "./lib/machine.js";
import { createBenchLog, emitResult, runBench } from "./lib/output.js";
import { startServiceProcess, type ServiceProcess } from "./lib/service-process.js";
import { round, type PhaseSummary } from "./lib/stats.js";
import { createBenchKeys } from "./bench-keys.js";

const log = createBenchLog("identity");

const HELP = `npm run bench:identity -- [flags]

(a) access-token verifications per second (in process, one thread, cached JWKS) and
(b) logins per second over gRPC against identity's real entry point, with the argon2
parameters in use. JSON on stdout, progress on stderr.

${commonHelp}
  (--clients applies to logins; verification runs one at a time; pgbench flags are ignored)
  --tokens N           distinct access tokens the verifications cycle through (default 1000)
  --users N            customers signed up for the login phase (default 200)
  --caller ID          internal caller the logins are signed as (default gateway)
  --log-level LEVEL    identity's LOG_LEVEL (default info; its output is discarded)
  --no-login           skip (b)

Servers: POSTGRES_URL, REDIS_URL and AMQP_URL, else loopback, else containers.
The identity process inherits the environment, so IDENTITY_ARGON2_MEMORY_KIB,
IDENTITY_ARGON2_ITERATIONS and IDENTITY_ARGON2_PARALLELISM set the hashing cost.`;

/** Issuer and audience of the bench's own tokens (phase a). */
const BENCH_ISSUER = "https://identity.bench.invalid";
const BENCH_AUDIENCE = "wallet-api";
/** Password of every bench customer: long, not a common one. */
const PASSWORD = "correct horse battery staple bench";
/** Caller id the sign-ups are signed as. */
const SETUP_CALLER = "mobile-bff";

type IdentityClient = Client<typeof IdentityService>;

/** The argon2id cost identity runs with, as identity parses it from its environment. */
const argon2Schema = z.object({
  IDENTITY_ARGON2_MEMORY_KIB: identityConfigFields.IDENTITY_ARGON2_MEMORY_KIB,
  IDENTITY_ARGON2_ITERATIONS: identityConfigFields.IDENTITY_ARGON2_ITERATIONS,
  IDENTITY_ARGON2_PARALLELISM: identityConfigFields.IDENTITY_ARGON2_PARALLELISM,
});

/** The argon2 parameters of an environment, named for the report. */
function argon2Parameters(env: NodeJS.ProcessEnv) {
  const parsed = argon2Schema.parse(env);
  return {
    algorithm: "argon2id",
    memoryKib: parsed.IDENTITY_ARGON2_MEMORY_KIB,
    iterations: parsed.IDENTITY_ARGON2_ITERATIONS,
    parallelism: parsed.IDENTITY_ARGON2_PARALLELISM,
    source: "identity's IDENTITY_ARGON2_* variables (defaults when unset)",
  };
}

/** A phase's figures with its rate named for what it counts. */
const rename = <K extends string>(name: K, { perSecond, ...rest }: PhaseSummary) => ({ [name]: perSecond, ...rest }) as Record<K, number> & Omit<PhaseSummary, "perSecond">;

/** Seconds a phase may last at most, for token lifetimes. */
const phaseSeconds = (args: CommonBenchArgs) => ("seconds" in args.limit ? args.limit.seconds : args.limit.maxSeconds);

/** (a) Verifications, one at a time, against a cached remote JWKS. */
async function benchVerification(args: CommonBenchArgs, tokenCount: number) {
  const current = await createTestSigningKey("bench-current");
  const previous = await createTestSigningKey("bench-previous");
  const jwks = await startTestJwksServer(() => ({ keys: [current.publicJwk, previous.publicJwk] }));
  try {
    const verifier = createAccessTokenVerifier({ jwksUrl: jwks.url, issuer: BENCH_ISSUER, audience: BENCH_AUDIENCE });
    const lifetime = args.warmupSeconds + phaseSeconds(args) + 300;
    const now = Math.floor(Date.now() / 1000);
    const tokens = await Promise.all(
      Array.from({ length: tokenCount }, (_, i) =>
        signTestAccessToken(i % 2 === 0 ? current : previous, {
          issuer: BENCH_ISSUER,
          audience: BENCH_AUDIENCE,
          claims: { amr: ["pwd", "otp", "mfa"], exp: now + lifetime },
        }),
      ),
    );
    const verify = (_client: number, sequence: number) => verifier.verify(tokens[sequence % tokens.length]!);
    await verify(0, 0); // fills the cache
    if (args.warmupSeconds > 0) {
      log(`verification warm-up: ${args.warmupSeconds} s`);
      await runClosedLoop({ clients: 1, limit: { seconds: args.warmupSeconds }, operation: verify });
    }
    log("verification: one at a time, cached JWKS");
    const summary = await runClosedLoop({
      clients: 1,
      limit: args.limit,
      operation: verify,
      onFirstError: (code, error) => log(`verification: first ${code} error: ${error.rawMessage}`),
    });
    if (summary.errors > 0) throw new Error(`${summary.errors} verifications of valid tokens failed`);
    log(`verification: ${summary.perSecond} /s, p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms`);
    return {
      ...rename("verificationsPerSecond", summary),
      jwksFetches: jwks.fetches,
      setup: {
        algorithm: "ES256",
        keysInSet: 2,
        distinctTokens: tokenCount,
        threads: 1,
        concurrency: 1,
        checks: "alg, typ, kid, signature, iss, aud, exp, nbf, iat, claim types",
      },
    };
  } finally {
    await jwks.close();
  }
}

/** Signs up `count` customers, `clients` at a time; answers their emails and how fast it went. */
async function signUpUsers(client: IdentityClient, count: number, clients: number) {
  const run = randomSuffix();
  const users: { email: string; deviceId: string }[] = Array.from({ length: count }, (_, i) => ({
    email: `bench-${run}-${i}@bench.invalid`,
    deviceId: randomUUID(),
  }));
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const user = users[next++]!;
      await client.signUp({ email: user.email, password: PASSWORD, device: { deviceId: user.deviceId, name: "bench", platform: Platform.IOS } });
    }
  };
  await Promise.all(Array.from({ length: Math.min(clients, count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { users, signUpsPerSecond: round(count / seconds, 1) };
}

/** (b) Logins over gRPC, or why they could not be measured. */
async function benchLogin(args: ReturnType<typeof readArgs>, infra: Infrastructure) {
  const databaseUrl = withDatabase(infra.postgresUrl, `bench_identity_${randomSuffix()}`);
  const keys = createBenchKeys();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    LOG_LEVEL: args.logLevel,
    IDENTITY_DATABASE_URL: databaseUrl,
    REDIS_URL: infra.redisUrl,
    AMQP_URL: infra.amqpUrl,
    ...keys.env("identity"),
    INTERNAL_API_KEYS: "",
    IDENTITY_KEY_ENCRYPTION_SECRET: randomBytes(32).toString("base64url"),
    IDENTITY_REDIS_PREFIX: `bench-identity-${randomSuffix()}:`,
  };
  const argon2 = argon2Parameters(env);
  let identity: ServiceProcess | undefined;
  try {
    const { applied } = await migrateServiceDatabase({ owner: "identity" }, databaseUrl, { onWarning: log });
    log(`identity database migrated (${applied.length} migrations)`);
    identity = await startServiceProcess({ name: "identity", entry: "services/identity/src/main.ts", env, log });
    const sign = keys.sign;
    const setup = createClient(IdentityService, createGrpcTransport({ baseUrl: identity.url, interceptors: [sign(SETUP_CALLER)] }));
    const client = createClient(IdentityService, createGrpcTransport({ baseUrl: identity.url, interceptors: [sign(args.caller)] }));

    // Probe: an unknown email is refused after the same work as a wrong password.
    try {
      await client.login({ email: "nobody@bench.invalid", password: PASSWORD, device: { deviceId: randomUUID(), platform: Platform.IOS } });
    } catch (err) {
      const error = ConnectError.from(err);
      if (error.code === Code.Unimplemented) return { skipped: "identity does not implement Login yet (it answers Unimplemented)", argon2 };
      if (error.code !== Code.Unauthenticated) throw new Error(`the probe login failed: [${codeName(error)}] ${error.rawMessage}`);
    }

    log(`signing up ${args.users} customers`);
    const { users, signUpsPerSecond } = await signUpUsers(setup, args.users, args.common.clients);
    let sample: string | undefined;
    const loginOnce = async (worker: number) => {
      const user = users[Math.floor(Math.random() * users.length)]!;
      const response = await client.login(
        { email: user.email, password: PASSWORD, device: { deviceId: user.deviceId, name: "bench", platform: Platform.IOS } },
        { headers: { "x-client-ip": `198.51.100.${(worker % 250) + 1}` } },
      );
      if (response.result.case !== "tokens") throw new Error(`Login answered ${response.result.case ?? "nothing"} instead of tokens`);
      sample ??= response.result.value.accessToken;
    };
    if (args.common.warmupSeconds > 0) {
      log(`login warm-up: ${args.common.warmupSeconds} s`);
      await runClosedLoop({ clients: args.common.clients, limit: { seconds: args.common.warmupSeconds }, operation: loginOnce });
    }
    log(`login: ${args.common.clients} clients over ${users.length} customers`);
    const cpu = await startCpuMeter(identity.adminUrl);
    const summary = await runClosedLoop({
      clients: args.common.clients,
      limit: args.common.limit,
      operation: loginOnce,
      onFirstError: (code, error) => log(`login: first ${code} error: ${error.rawMessage}`),
    });
    const cpuUse: CpuUse = await cpu();
    log(`login: ${summary.perSecond} /s, p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, ${summary.errors} errors`);
    return {
      ...rename("loginsPerSecond", summary),
      cpu: cpuUse,
      argon2,
      signUpsPerSecond,
      tokenCrossCheck: sample ? await crossCheck(identity.url, env, sample) : { verified: false, reason: "no login succeeded" },
      setup: {
        clients: args.common.clients,
        customers: users.length,
        caller: args.caller,
        transport: "gRPC over HTTP/2 (connect-node), HMAC-signed",
        identity: { process: "services/identity/src/main.ts", nodeEnv: "production", logLevel: args.logLevel },
      },
    };
  } catch (err) {
    if (identity) log(`identity's last output:\n${identity.recentOutput()}`);
    throw err;
  } finally {
    await identity?.stop().catch(() => {});
    await dropDatabase(databaseUrl).catch((err: Error) => log(`could not drop ${databaseUrl}: ${err.message}`));
  }
}

/** Verifies a token from Login with the platform verifier against identity's own JWKS endpoint. */
async function crossCheck(identityUrl: string, env: NodeJS.ProcessEnv, token: string) {
  const { IDENTITY_ISSUER: issuer, IDENTITY_AUDIENCE: audience } = z
    .object({ IDENTITY_ISSUER: identityConfigFields.IDENTITY_ISSUER, IDENTITY_AUDIENCE: identityConfigFields.IDENTITY_AUDIENCE })
    .parse(env);
  const jwksUrl = `${identityUrl}/.well-known/jwks.json`;
  try {
    const verifier = createAccessTokenVerifier({ jwksUrl, issuer: issuer.replace(/\/+$/, ""), audience });
    const claims = await verifier.verify(token);
    return { verified: true, jwksUrl, amr: claims.amr };
  } catch (err) {
    const reason = (err as { reason?: string }).reason;
    log(`cross-check: a login's access token did not verify: ${(err as Error).message}`);
    return { verified: false, jwksUrl, reason: reason ?? (err as Error).message };
  }
}

/** Reads the flags; prints help and exits for --help. */
function readArgs() {
  const { common, help, values } = parseBenchArgs(process.argv.slice(2), {
    tokens: { type: "string", default: "1000" },
    users: { type: "string", default: "200" },
    caller: { type: "string", default: "gateway" },
    "log-level": { type: "string", default: "info" },
    "no-login": { type: "boolean", default: false },
  });
  if (help) {
    process.stderr.write(`${HELP}\n`);
    process.exit(0);
  }
  return {
    common,
    tokens: intFlag("tokens", values.tokens as string, 1, 1_000_000),
    users: intFlag("users", values.users as string, 1, 1_000_000),
    caller: String(values.caller),
    logLevel: String(values["log-level"]),
    login: !values["no-login"],
  };
}

async function main(): Promise<number> {
  const args = readArgs();
  const started = new Date();
  const verification = await benchVerification(args.common, args.tokens);

  let infra: Infrastructure | undefined;
  let login: Record<string, unknown> = { skipped: "--no-login" };
  let failed = false;
  if (args.login) {
    try {
      infra = await resolveInfrastructureFromEnv();
      log(`servers: postgres ${infra.sources.postgres}, redis ${infra.sources.redis}`);
      login = await benchLogin(args, infra);
      if ("skipped" in login) log(`login: skipped: ${String(login.skipped)}`);
    } catch (err) {
      log(`login failed: ${(err as Error).stack ?? String(err)}`);
      login = { error: (err as Error).message };
      failed = true;
    }
  }
  try {
    emitResult({
      bench: "identity",
      startedAt: started.toISOString(),
      durationSeconds: round((Date.now() - started.getTime()) / 1000, 1),
      machine: await describeMachine(infra?.postgresUrl),
      parameters: {
        ...("seconds" in args.common.limit ? { seconds: args.common.limit.seconds } : { operations: args.common.limit.operations }),
        warmupSeconds: args.common.warmupSeconds,
      },
      accessTokenVerification: verification,
      login,
    });
  } finally {
    await infra?.stop();
  }
  return failed ? 1 : 0;
}

runBench(main, log);
