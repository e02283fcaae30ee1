import amqp from "amqplib";
import { Redis } from "ioredis";
import pg from "pg";

/** How long a probe waits for a server before calling it absent. */
const PROBE_TIMEOUT_MS = 2_000;

/** Resolves when PostgreSQL at `url` answers `SELECT 1`; rejects otherwise. */
export async function probePostgres(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } finally {
    await client.end().catch(() => {});
  }
}

/** Resolves when Redis at `url` answers PING; rejects otherwise (no retries). */
export async function probeRedis(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

/** Resolves when RabbitMQ at `url` accepts an AMQP connection; rejects otherwise. */
export async function probeAmqp(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  const connection = await amqp.connect(url, { timeout: timeoutMs });
  connection.on("error", () => {});
  await connection.close();
}

/** True when a Docker (or compatible) runtime answers, so testcontainers can work. */
export async function dockerAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/** A short reason for a failed probe: the error code or message. */
export function probeFailure(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return probeFailure(err.errors[0]);
  const e = err as { code?: string; message?: string };
  return e?.code ?? e?.message ?? String(err);
}
