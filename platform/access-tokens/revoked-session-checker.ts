/**
 * The readers' side of the revoked-session list (`revoked-sessions.ts`): the
 * edge and the BFF ask, for each request, whether its access token's session
 * was ended. At most one Redis EXISTS per session per `cacheMs` per process:
 * answers are kept in memory that long, so a revocation takes effect within
 * `cacheMs` (plus identity's write) everywhere. An answer Redis cannot give
 * in time is "unknown", never thrown: the caller decides by route
 * (`state-changing.ts`: state-changing calls fail closed, reads fail open).
 */
import type { Redis } from "ioredis";
import type { Counter, Registry } from "prom-client";
import { registeredCounter } from "../metrics/index.js";
import { mayAnswerSoon, revokedSessionKey, withinTimeout } from "./revoked-sessions.js";

/** What the list says about a session: ended, not ended, or no answer from Redis. */
export type SessionRevocationStatus = "active" | "revoked" | "unknown";

/** Options of {@link createRevokedSessionChecker}. */
export interface RevokedSessionCheckerOptions {
  readonly redis: Redis;
  /** SESSION_REVOCATION_REDIS_PREFIX, the one identity writes under. */
  readonly keyPrefix: string;
  /** How long an answer is reused in this process (SESSION_REVOCATION_CACHE); 0 asks Redis every time. Default 1 s. */
  readonly cacheMs?: number;
  /** Bound on one lookup; past it the answer is "unknown". Default 250 ms. */
  readonly timeoutMs?: number;
  /** Most sessions remembered; the oldest answers go first. Default 10 000. */
  readonly maxEntries?: number;
  /** Where `session_revocation_checks_total{outcome}` is registered; none when absent. */
  readonly registry?: Registry;
  /** Milliseconds since the epoch; default Date.now. */
  readonly now?: () => number;
}

/** Asks the revoked-session list; one per process, shared by every request. */
export interface RevokedSessionChecker {
  /** The session's status; "unknown" when Redis is not connected, fails or is slow (never throws). */
  status(sessionId: string): Promise<SessionRevocationStatus>;
}

/** Metric name: checks by outcome (active, revoked, unavailable), cache hits included. */
const CHECKS_METRIC = "session_revocation_checks_total";

function checksCounter(registry: Registry): Counter<"outcome"> {
  return registeredCounter(registry, {
    name: CHECKS_METRIC,
    help: "Access-token session checks against the revoked-session list, by outcome (unavailable: Redis did not answer).",
    label: "outcome",
    values: ["active", "revoked", "unavailable"],
  });
}

/** The checker (see the module comment). */
export function createRevokedSessionChecker(options: RevokedSessionCheckerOptions): RevokedSessionChecker {
  const cacheMs = options.cacheMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 250;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const checks = options.registry ? checksCounter(options.registry) : undefined;
  const cache = new Map<string, { status: "active" | "revoked"; until: number }>();
  const inFlight = new Map<string, Promise<SessionRevocationStatus>>();

  const lookup = async (sessionId: string): Promise<SessionRevocationStatus> => {
    const { redis } = options;
    // Commands queued while disconnected would wait for a reconnection: answer at once instead.
    if (!mayAnswerSoon(redis)) return "unknown";
    try {
      const found = await withinTimeout(redis.exists(revokedSessionKey(options.keyPrefix, sessionId)), timeoutMs, "revoked-session lookup");
      return found > 0 ? "revoked" : "active";
    } catch {
      return "unknown";
    }
  };

  const remember = (sessionId: string, status: "active" | "revoked") => {
    if (cacheMs <= 0) return;
    cache.delete(sessionId);
    cache.set(sessionId, { status, until: now() + cacheMs });
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
  };

  const count = (status: SessionRevocationStatus) => checks?.inc({ outcome: status === "unknown" ? "unavailable" : status });

  return {
    async status(sessionId) {
      const cached = cache.get(sessionId);
      if (cached && cached.until > now()) {
        count(cached.status);
        return cached.status;
      }
      if (cached) cache.delete(sessionId);
      // Concurrent requests of one session share one lookup.
      let pending = inFlight.get(sessionId);
      if (!pending) {
        pending = lookup(sessionId).finally(() => inFlight.delete(sessionId));
        inFlight.set(sessionId, pending);
      }
      const status = await pending;
      if (status !== "unknown") remember(sessionId, status);
      count(status);
      return status;
    },
  };
}
