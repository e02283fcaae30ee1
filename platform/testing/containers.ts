/**
 * Fallback servers started with testcontainers when nothing answers locally.
 * Imported lazily: loading testcontainers is slow and only needed here.
 */

/** Images used when containers are started (PostgreSQL 15+ for DROP ... WITH (FORCE)). */
export const containerImages = {
  postgres: "postgres:16-alpine",
  redis: "redis:7-alpine",
  amqp: "rabbitmq:3.13-alpine",
} as const;

/** A started container: its URL and how to stop it. */
export interface StartedServer {
  readonly url: string;
  readonly stop: () => Promise<void>;
}

/**
 * `reuse` lets parallel test processes share one container per image (the
 * testcontainers reuse lock picks the same one); reused containers outlive
 * the run, so the start script does not reuse and stops its own.
 */
export async function startPostgresContainer(reuse: boolean): Promise<StartedServer> {
  const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
  let container = new PostgreSqlContainer(containerImages.postgres)
    .withDatabase("postgres")
    .withUsername("postgres")
    .withPassword("postgres");
  if (reuse) container = container.withReuse();
  const started = await container.start();
  return { url: started.getConnectionUri(), stop: async () => void (await started.stop()) };
}

/** Starts Redis; see {@link startPostgresContainer} for `reuse`. */
export async function startRedisContainer(reuse: boolean): Promise<StartedServer> {
  const { RedisContainer } = await import("@testcontainers/redis");
  let container = new RedisContainer(containerImages.redis);
  if (reuse) container = container.withReuse();
  const started = await container.start();
  return { url: started.getConnectionUrl(), stop: async () => void (await started.stop()) };
}

/** Starts RabbitMQ; see {@link startPostgresContainer} for `reuse`. */
export async function startAmqpContainer(reuse: boolean): Promise<StartedServer> {
  const { RabbitMQContainer } = await import("@testcontainers/rabbitmq");
  let container = new RabbitMQContainer(containerImages.amqp);
  if (reuse) container = container.withReuse();
  const started = await container.start();
  return { url: started.getAmqpUrl(), stop: async () => void (await started.stop()) };
}
