/**
 * One exporter at a time: a PostgreSQL session-level advisory lock held on a
 * connection of its own (never a pooled one, which other queries would share
 * and give back). The lock lasts as long as that session: when the leader
 * dies, however abruptly, PostgreSQL ends its session and frees the lock, and
 * a standby polling with `pg_try_advisory_lock` takes over.
 */
import pg from "pg";
import type { Logger } from "pino";

/** Key of the lock, in the exporter's database (in shared mode the backoffice's, whose own chain lock is 7_304_201_001). */
export const LEADER_LOCK_KEY = 7_304_201_014n;

/** Leadership of the export. */
export interface LeaderLock {
  /** Tries to take the lock (connecting first when needed); true when this process holds it. Never throws. */
  tryAcquire(): Promise<boolean>;
  /** Whether the lock is still held: its session answers. A lost session is closed and answers false. */
  stillHeld(): Promise<boolean>;
  /** Ends the session, freeing the lock. */
  release(): Promise<void>;
}

/** Options of {@link createAdvisoryLeaderLock}. */
export interface AdvisoryLeaderLockOptions {
  readonly connectionString: string;
  readonly logger: Logger;
  /** Bound on connecting and on each query of the lock session; default 5 s. */
  readonly timeoutMs?: number;
  readonly applicationName?: string;
}

/** A leader lock on `pg_try_advisory_lock(LEADER_LOCK_KEY)` over a dedicated `pg.Client`. */
export function createAdvisoryLeaderLock(options: AdvisoryLeaderLockOptions): LeaderLock {
  const timeoutMs = options.timeoutMs ?? 5_000;
  let client: pg.Client | undefined;
  let held = false;

  const drop = async () => {
    const old = client;
    client = undefined;
    held = false;
    await old?.end().catch(() => {});
  };

  async function connect(): Promise<pg.Client> {
    const fresh = new pg.Client({
      connectionString: options.connectionString,
      application_name: options.applicationName ?? "audit-export-leader",
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      keepAlive: true,
    });
    // A lost session (server restart, cut network, terminated backend) ends the leadership.
    fresh.on("error", (err) => {
      if (client !== fresh) return;
      if (held) options.logger.warn({ err: err.message }, "the leader lock's database session was lost");
      held = false;
      void drop();
    });
    await fresh.connect();
    return fresh;
  }

  return {
    async tryAcquire() {
      if (held) return true;
      try {
        client ??= await connect();
        const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS locked", [LEADER_LOCK_KEY.toString()]);
        held = rows[0]?.locked === true;
        return held;
      } catch (err) {
        options.logger.warn({ err: (err as Error).message }, "cannot try the leader lock");
        await drop();
        return false;
      }
    },
    async stillHeld() {
      if (!held || !client) return false;
      try {
        await client.query("SELECT 1");
        return held;
      } catch {
        await drop();
        return false;
      }
    },
    release: drop,
  };
}
