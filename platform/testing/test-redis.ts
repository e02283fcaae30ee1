import { Redis } from "ioredis";
import { testInfrastructure } from "./infrastructure.js";
import { useResource } from "./use-resource.js";
import { randomSuffix, testFileSlug } from "./unique-name.js";

/** A Redis connection and a key prefix of its own for one test file. */
export interface TestRedis {
  readonly redis: Redis;
  /** `test:<file>:<random>:`; give it to the code under test as its key prefix. */
  readonly prefix: string;
  readonly url: string;
  /** Deletes every key under `prefix` (SCAN, not KEYS) and closes the connection. */
  cleanup(): Promise<void>;
}

/** Deletes every key starting with `prefix`, in SCAN batches; returns how many. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== "0");
  return deleted;
}

/** Connects to the test Redis and picks a unique key prefix. */
export async function createTestRedis(): Promise<TestRedis> {
  const infra = await testInfrastructure();
  const redis = new Redis(infra.redisUrl, { maxRetriesPerRequest: 2 });
  const prefix = `test:${testFileSlug()}:${randomSuffix()}:`;
  return {
    redis,
    prefix,
    url: infra.redisUrl,
    cleanup: async () => {
      try {
        await deleteKeysWithPrefix(redis, prefix);
      } finally {
        await redis.quit().catch(() => redis.disconnect());
      }
    },
  };
}

/** Registers hooks around {@link createTestRedis}; returns an async accessor. */
export function useTestRedis(): () => Promise<TestRedis> {
  return useResource(createTestRedis, (redis) => redis.cleanup());
}
