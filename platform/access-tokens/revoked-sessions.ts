/**
 * The revoked-session list: identity records every session it ends (logout,
 * a session or device revoked, refresh-token reuse, a password change or
 * recovery, a staff lock) in Redis under `<prefix>revoked-session:<sid>`,
 * kept as long as an access token of that session can still be accepted;
 * the edge and the BFF refuse tokens whose `sid` is listed
 * (`revoked-session-checker.ts`). Identity writes before its transaction
 * commits, so no session is ever answered as ended while its tokens still
 * pass: a failed write rolls the revocation back and the call fails
 * retryably ({@link RevocationUnavailableError}).
 */
import type { Redis } from "ioredis";

/** The Redis key recording that session `sessionId` ended. */
export function revokedSessionKey(keyPrefix: string, sessionId: string): string {
  return `${keyPrefix}revoked-session:${sessionId}`;
}

/** Redis could not record (or be asked about) revoked sessions in time. */
export class RevocationUnavailableError extends Error {
  override readonly name = "RevocationUnavailableError";
}

/** Options of {@link createRevokedSessionRecorder}. */
export interface RevokedSessionRecorderOptions {
  readonly redis: Redis;
  /** SESSION_REVOCATION_REDIS_PREFIX, the same for identity and every reader. */
  readonly keyPrefix: string;
  /** How long an entry lives: the longest an access token stays acceptable (lifetime plus clock tolerance). */
  readonly ttlMs: number;
  /** Bound on the write; default 2 s. */
  readonly timeoutMs?: number;
}

/** Writes the revoked-session list (identity only). */
export interface RevokedSessionRecorder {
  /**
   * Lists `sessionIds` as revoked for `reason` (stored as the value, for
   * operators), in one MULTI; resolves once Redis has them all.
   *
   * @throws RevocationUnavailableError when Redis is not connected, fails or does not answer in time.
   */
  record(sessionIds: readonly string[], reason: string): Promise<void>;
}

/**
 * Whether a command sent now may be answered soon: the connection is up, or
 * being opened (start-up, a reconnection's handshake: the command waits in
 * ioredis's queue, bounded by the caller's timeout). While ioredis waits to
 * reconnect, or gave up, the answer is "no" at once, so an outage costs no
 * time per request.
 */
export function mayAnswerSoon(redis: Pick<Redis, "status">): boolean {
  return redis.status === "ready" || redis.status === "connecting" || redis.status === "connect" || redis.status === "wait";
}

/** Resolves with `promise`, or rejects with RevocationUnavailableError after `ms`. */
export async function withinTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RevocationUnavailableError(`${what}: no answer from Redis within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The recorder identity uses (see the module comment). */
export function createRevokedSessionRecorder(options: RevokedSessionRecorderOptions): RevokedSessionRecorder {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const ttlMs = Math.max(1, Math.ceil(options.ttlMs));
  return {
    async record(sessionIds, reason) {
      if (sessionIds.length === 0) return;
      const { redis } = options;
      // Queued commands would wait for a reconnection while the caller holds its transaction open.
      if (!mayAnswerSoon(redis)) throw new RevocationUnavailableError(`revoked sessions cannot be recorded: Redis is ${redis.status}`);
      const multi = redis.multi();
      for (const id of sessionIds) multi.set(revokedSessionKey(options.keyPrefix, id), reason, "PX", ttlMs);
      let results: [Error | null, unknown][] | null;
      try {
        results = await withinTimeout(multi.exec(), timeoutMs, "recording revoked sessions");
      } catch (err) {
        if (err instanceof RevocationUnavailableError) throw err;
        throw new RevocationUnavailableError("revoked sessions cannot be recorded", { cause: err });
      }
      const failed = results?.find(([err]) => err !== null)?.[0];
      if (!results || failed) throw new RevocationUnavailableError("revoked sessions cannot be recorded", { cause: failed ?? undefined });
    },
  };
}
