import { startAmqpContainer, startPostgresContainer, startRedisContainer, type StartedServer } from "./containers.js";
import { dockerAvailable, probeAmqp, probeFailure, probePostgres, probeRedis } from "./probes.js";

/** The servers every test and `npm start` need. */
export type ServerKind = "postgres" | "redis" | "amqp";

/** Where a server came from. */
export type ServerSource = "explicit" | "local" | "container";

/** Local defaults: the standard ports on loopback. */
export const localServerUrls: Readonly<Record<ServerKind, string>> = {
  postgres: "postgres://postgres@127.0.0.1:5432/postgres",
  redis: "redis://127.0.0.1:6379",
  amqp: "amqp://guest:guest@127.0.0.1:5672",
};

/** What to run to start each local server (Debian packages, as in DEVELOPERS.md). */
export const startCommands: Readonly<Record<ServerKind, string>> = {
  postgres: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
  redis: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
  amqp: "rabbitmq-server -detached",
};

const labels: Record<ServerKind, string> = { postgres: "PostgreSQL", redis: "Redis", amqp: "RabbitMQ" };
const probes: Record<ServerKind, (url: string) => Promise<void>> = {
  postgres: probePostgres,
  redis: probeRedis,
  amqp: probeAmqp,
};
const starters: Record<ServerKind, (reuse: boolean) => Promise<StartedServer>> = {
  postgres: startPostgresContainer,
  redis: startRedisContainer,
  amqp: startAmqpContainer,
};
const kinds: readonly ServerKind[] = ["postgres", "redis", "amqp"];

/** Resolved servers. */
export interface Infrastructure {
  readonly postgresUrl: string;
  readonly redisUrl: string;
  readonly amqpUrl: string;
  readonly sources: Readonly<Record<ServerKind, ServerSource>>;
  /** Stops the containers this call started (reused ones are left running). */
  stop(): Promise<void>;
}

/** Options for {@link resolveInfrastructure}. */
export interface ResolveInfrastructureOptions {
  /** Start missing servers with testcontainers when Docker answers. */
  readonly allowContainers: boolean;
  /** Share containers between processes (tests); default false. */
  readonly reuseContainers?: boolean;
  /** URLs given by the user; each must answer, there is no fallback for them. */
  readonly explicit?: Partial<Record<ServerKind, string | undefined>>;
  /** Replaces the local default URLs (tests of this module, unusual local set-ups). */
  readonly defaults?: Partial<Record<ServerKind, string>>;
  /** Names of the variables behind `explicit`, for error messages. */
  readonly explicitVariables?: Partial<Record<ServerKind, string>>;
}

/**
 * Finds PostgreSQL, Redis and RabbitMQ: explicit URLs first, else the local
 * defaults if they answer, else containers when allowed and Docker answers,
 * else it throws a message saying exactly what to start. Used by the test
 * harness and by `npm start`.
 */
export async function resolveInfrastructure(options: ResolveInfrastructureOptions): Promise<Infrastructure> {
  const urls: Partial<Record<ServerKind, string>> = {};
  const sources: Partial<Record<ServerKind, ServerSource>> = {};
  const problems: string[] = [];
  const missing: ServerKind[] = [];

  await Promise.all(
    kinds.map(async (kind) => {
      const explicit = options.explicit?.[kind]?.trim();
      const url = explicit || options.defaults?.[kind] || localServerUrls[kind];
      try {
        await probes[kind](url);
        urls[kind] = url;
        sources[kind] = explicit ? "explicit" : "local";
      } catch (err) {
        if (explicit) {
          const variable = options.explicitVariables?.[kind] ?? "the configured URL";
          problems.push(`${labels[kind]} at ${redact(url)} (${variable}) does not answer: ${probeFailure(err)}`);
        } else {
          missing.push(kind);
          problems.push(`${labels[kind]} at ${redact(url)} does not answer: ${probeFailure(err)}`);
        }
      }
    }),
  );
  if (problems.length > missing.length) throw new Error(problems.join("\n"));

  const started: StartedServer[] = [];
  const stop = async () => {
    await Promise.allSettled(started.map((s) => s.stop()));
  };
  if (missing.length > 0) {
    if (!options.allowContainers || !(await dockerAvailable())) throw new Error(missingMessage(missing, problems, options.allowContainers));
    try {
      for (const kind of missing) {
        const server = await starters[kind](options.reuseContainers ?? false);
        if (!options.reuseContainers) started.push(server);
        urls[kind] = server.url;
        sources[kind] = "container";
      }
    } catch (err) {
      await stop();
      throw err;
    }
  }
  return {
    postgresUrl: urls.postgres!,
    redisUrl: urls.redis!,
    amqpUrl: urls.amqp!,
    sources: sources as Record<ServerKind, ServerSource>,
    stop,
  };
}

function missingMessage(missing: ServerKind[], problems: string[], allowContainers: boolean): string {
  const why = allowContainers ? "Docker is not available either, so testcontainers cannot start them." : "";
  return [
    ...problems,
    why,
    "Start the local servers:",
    ...missing.map((kind) => `  ${startCommands[kind]}`),
    "or point TEST_DATABASE_URL / TEST_REDIS_URL / TEST_AMQP_URL at running servers (infra/compose.yaml offers all three).",
  ]
    .filter(Boolean)
    .join("\n");
}

/** Hides a password in a URL for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

let testInfrastructurePromise: Promise<Infrastructure> | undefined;

/**
 * The servers for this test process, resolved once: `TEST_DATABASE_URL`,
 * `TEST_REDIS_URL`, `TEST_AMQP_URL`, else the local defaults, else shared
 * (reused) testcontainers.
 */
export function testInfrastructure(env: NodeJS.ProcessEnv = process.env): Promise<Infrastructure> {
  testInfrastructurePromise ??= resolveInfrastructure({
    allowContainers: true,
    reuseContainers: true,
    explicit: { postgres: env.TEST_DATABASE_URL, redis: env.TEST_REDIS_URL, amqp: env.TEST_AMQP_URL },
    explicitVariables: { postgres: "TEST_DATABASE_URL", redis: "TEST_REDIS_URL", amqp: "TEST_AMQP_URL" },
  });
  return testInfrastructurePromise;
}

/**
 * Resolves the servers from the standard variables `POSTGRES_URL`,
 * `REDIS_URL` and `AMQP_URL` (each must answer when set), else the loopback
 * defaults, else containers: what `npm start` and the benchmarks use.
 */
export function resolveInfrastructureFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Infrastructure> {
  return resolveInfrastructure({
    allowContainers: true,
    explicit: { postgres: env.POSTGRES_URL, redis: env.REDIS_URL, amqp: env.AMQP_URL },
    explicitVariables: { postgres: "POSTGRES_URL", redis: "REDIS_URL", amqp: "AMQP_URL" },
  });
}
