import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { createBlocklistMatcher, type BlocklistMatcher } from "./domain/blocklist.js";
import type { StoredRule } from "./domain/rules.js";
import { listActiveBlocklistEntries } from "./storage/blocklist.repository.js";
import { listAllRules } from "./storage/rules.repository.js";
import type { RiskDatabase } from "./storage/risk.table.js";

/** The rules and blocklist scoring reads, from memory. */
export interface RulesSnapshot {
  /** Enabled rules, by id. */
  readonly rules: readonly StoredRule[];
  readonly blocklist: BlocklistMatcher;
  readonly loadedAt: Date;
}

/** An in-memory copy of the rules and blocklist, reloaded periodically and after local writes. */
export interface RulesCache {
  /** The current snapshot, loading it on first use. */
  current(): Promise<RulesSnapshot>;
  /** Reloads now (after UpsertRule, DeleteRule and blocklist writes on this replica). */
  refresh(): Promise<RulesSnapshot>;
  /** Reloads every `intervalMs` until `signal` aborts; a failed reload keeps the last snapshot. */
  startRefreshing(intervalMs: number, signal: AbortSignal): void;
}

/** A cache over the risk database; other replicas pick up changes within one interval. */
export function createRulesCache(db: Kysely<RiskDatabase>, clock: () => Date, logger: Logger): RulesCache {
  let snapshot: Promise<RulesSnapshot> | undefined;
  const load = async (): Promise<RulesSnapshot> => {
    const now = clock();
    const [rules, entries] = await Promise.all([listAllRules(db), listActiveBlocklistEntries(db, now)]);
    return { rules: rules.filter((rule) => rule.enabled), blocklist: createBlocklistMatcher(entries), loadedAt: now };
  };
  const refresh = async () => {
    const next = load();
    const value = await next;
    snapshot = Promise.resolve(value);
    return value;
  };
  return {
    current() {
      if (!snapshot) {
        snapshot = load();
        snapshot.catch(() => (snapshot = undefined));
      }
      return snapshot;
    },
    refresh,
    startRefreshing(intervalMs, signal) {
      if (intervalMs <= 0) return;
      const timer = setInterval(() => {
        refresh().catch((err: unknown) => logger.warn({ err: (err as Error).message }, "risk rules reload failed; keeping the last ones"));
      }, intervalMs);
      timer.unref();
      signal.addEventListener("abort", () => clearInterval(timer), { once: true });
    },
  };
}
