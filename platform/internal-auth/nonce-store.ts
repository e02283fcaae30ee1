import type { Redis } from "ioredis";

/** Remembers nonces so a signed request cannot be replayed. */
export interface NonceStore {
  /**
   * Records `nonce` for `ttlMs`; true when it was new, false when it had
   * been seen. Rejects when the store is unreachable (the caller fails
   * closed).
   */
  claim(nonce: string, ttlMs: number): Promise<boolean>;
}

/** Options for {@link createRedisNonceStore}. */
export interface RedisNonceStoreOptions {
  /** Key prefix; default `internal-auth:nonce:`. Include the service name when Redis is shared. */
  readonly prefix?: string;
}

/**
 * Nonce store in Redis: `SET <prefix><nonce> 1 NX PX <ttl>` is atomic, so of
 * two replicas receiving the same request only one accepts it. The server
 * uses a TTL of twice the allowed clock skew: a nonce older than that carries
 * a timestamp the skew check already rejects.
 */
export function createRedisNonceStore(redis: Redis, options: RedisNonceStoreOptions = {}): NonceStore {
  const prefix = options.prefix ?? "internal-auth:nonce:";
  return {
    claim: async (nonce, ttlMs) => (await redis.set(`${prefix}${nonce}`, "1", "PX", Math.max(1, Math.ceil(ttlMs)), "NX")) === "OK",
  };
}
