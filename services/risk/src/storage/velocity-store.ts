import type { Redis } from "ioredis";
import { LONGEST_WINDOW_MS, VELOCITY_WINDOWS_MS, type RuleScope, type VelocityWindowMs } from "../domain/rules.js";
import type { WindowTotals } from "../domain/evaluate.js";

/** How long "counterparty already paid" and "device first seen" are remembered: 400 days. */
const MEMORY_TTL_MS = 400 * 86_400_000;

/**
 * One atomic step per scored movement. Records the movement in each scope's
 * sorted set (score = time in ms given by the caller, member =
 * "<reference>|<amount minor>", ZADD NX so a reference counts once), trims
 * entries older than the longest window, and returns per scope the count and
 * sum of each kept window, the counts of the requested structuring bands,
 * whether the counterparty is new to the user, and when the device was first
 * seen. Time comes from ARGV, never from Redis TIME, so tests drive the clock.
 *
 * KEYS: velocity sets (nVel of them), counterparty set, device key.
 * ARGV: now, member, longest window, nVel, counterparty ('' = none),
 *       has device ('1'/'0'), memory TTL, nBands, then per band: key index
 *       (1-based), window, low (inclusive), high (exclusive).
 */
const RECORD_SCRIPT = `
local now = tonumber(ARGV[1])
local member = ARGV[2]
local longest = tonumber(ARGV[3])
local nvel = tonumber(ARGV[4])
local counterparty = ARGV[5]
local has_device = ARGV[6]
local memory_ttl = tonumber(ARGV[7])
local nbands = tonumber(ARGV[8])
local windows = {${VELOCITY_WINDOWS_MS.join(", ")}}
local out = {}
local entries_of = {}
for i = 1, nvel do
  local key = KEYS[i]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - longest)
  redis.call('ZADD', key, 'NX', now, member)
  redis.call('PEXPIRE', key, longest)
  local raw = redis.call('ZRANGEBYSCORE', key, now - longest, now, 'WITHSCORES')
  local entries = {}
  for j = 1, #raw, 2 do
    local amount = tonumber(string.match(raw[j], '|(%-?%d+)$')) or 0
    entries[#entries + 1] = { tonumber(raw[j + 1]), amount }
  end
  entries_of[i] = entries
  for _, w in ipairs(windows) do
    local count, sum = 0, 0
    for _, e in ipairs(entries) do
      if e[1] > now - w then count = count + 1; sum = sum + e[2] end
    end
    out[#out + 1] = count
    out[#out + 1] = string.format('%.0f', sum)
  end
end
local base = 8
for b = 1, nbands do
  local idx = tonumber(ARGV[base + 1])
  local w = tonumber(ARGV[base + 2])
  local low = tonumber(ARGV[base + 3])
  local high = tonumber(ARGV[base + 4])
  base = base + 4
  local count = 0
  for _, e in ipairs(entries_of[idx] or {}) do
    if e[1] > now - w and e[2] >= low and e[2] < high then count = count + 1 end
  end
  out[#out + 1] = count
end
if counterparty ~= '' then
  out[#out + 1] = redis.call('SADD', KEYS[nvel + 1], counterparty)
  redis.call('PEXPIRE', KEYS[nvel + 1], memory_ttl)
else
  out[#out + 1] = -1
end
if has_device == '1' then
  redis.call('SET', KEYS[nvel + 2], now, 'NX', 'PX', memory_ttl)
  out[#out + 1] = redis.call('GET', KEYS[nvel + 2])
else
  out[#out + 1] = ''
end
return out
`;

/** A structuring band to count: movements in `windowMs` for `scope` with amount in [lowMinor, highMinor). */
export interface StructuringBand {
  readonly ruleId: string;
  readonly scope: RuleScope;
  readonly windowMs: VelocityWindowMs;
  readonly lowMinor: bigint;
  readonly highMinor: bigint;
}

/** A movement to record. */
export interface VelocityMovement {
  /** Counts once per reference; a random id when the caller gave none. */
  readonly reference: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly ipAddress: string;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly counterparty?: string;
}

/** What the store observed, this movement included. */
export interface VelocityObservation {
  readonly velocity: Partial<Record<RuleScope, Record<VelocityWindowMs, WindowTotals>>>;
  readonly structuringCounts: Map<string, number>;
  readonly counterpartyIsNew?: boolean;
  readonly deviceFirstSeenAt?: Date;
}

/** Velocity windows, counterparties and device first-seen times in Redis. */
export interface VelocityStore {
  /** Records the movement at `now` and observes its context in one atomic script. */
  record(movement: VelocityMovement, bands: readonly StructuringBand[], now: Date): Promise<VelocityObservation>;
  /** Records a movement posted at `at` as `record` does (windows, counterparty, device), for movements seen after the fact. */
  observePosted(movement: VelocityMovement, at: Date): Promise<void>;
  /** Remembers the device as first seen at `at`, unless it was seen before. */
  rememberDevice(deviceId: string, at: Date): Promise<void>;
}

/** The Redis velocity store; every key starts with `prefix`. */
export function createVelocityStore(redis: Redis, prefix: string): VelocityStore {
  const name = "riskVelocityRecord";
  if (!(name in redis)) redis.defineCommand(name, { lua: RECORD_SCRIPT });
  const run = (redis as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown[]>>)[name]!.bind(redis);
  const deviceKey = (deviceId: string) => `${prefix}dev:${deviceId}`;
  const store: VelocityStore = {
    async observePosted(movement, at) {
      await store.record(movement, [], at);
    },
    async rememberDevice(deviceId, at) {
      await redis.set(deviceKey(deviceId), at.getTime(), "PX", MEMORY_TTL_MS, "NX");
    },
    async record(movement, bands, now) {
      const scopes: Array<[RuleScope, string]> = [["USER", movement.userId]];
      if (movement.deviceId) scopes.push(["DEVICE", movement.deviceId]);
      if (movement.ipAddress) scopes.push(["IP", movement.ipAddress]);
      const keys = scopes.map(([scope, value]) => `${prefix}vel:${scope.toLowerCase()}:${movement.currency}:${value}`);
      keys.push(`${prefix}cp:${movement.userId}`, deviceKey(movement.deviceId));
      const bandArgs: (string | number)[] = [];
      const usedBands = bands.filter((band) => scopes.some(([scope]) => scope === band.scope));
      for (const band of usedBands) {
        bandArgs.push(scopes.findIndex(([scope]) => scope === band.scope) + 1, band.windowMs, band.lowMinor.toString(), band.highMinor.toString());
      }
      const reply = await run(
        keys.length,
        ...keys,
        now.getTime(),
        `${movement.reference}|${movement.amountMinor}`,
        LONGEST_WINDOW_MS,
        scopes.length,
        movement.counterparty ?? "",
        movement.deviceId ? "1" : "0",
        MEMORY_TTL_MS,
        usedBands.length,
        ...bandArgs,
      );
      let i = 0;
      const velocity: VelocityObservation["velocity"] = {};
      for (const [scope] of scopes) {
        const totals = {} as Record<VelocityWindowMs, WindowTotals>;
        for (const window of VELOCITY_WINDOWS_MS) {
          totals[window] = { count: Number(reply[i]), sumMinor: BigInt(reply[i + 1] as string) };
          i += 2;
        }
        velocity[scope] = totals;
      }
      const structuringCounts = new Map<string, number>();
      for (const band of usedBands) structuringCounts.set(band.ruleId, Number(reply[i++]));
      const cp = Number(reply[i++]);
      const firstSeen = reply[i++];
      return {
        velocity,
        structuringCounts,
        counterpartyIsNew: cp === -1 ? undefined : cp === 1,
        deviceFirstSeenAt: typeof firstSeen === "string" && firstSeen !== "" ? new Date(Number(firstSeen)) : undefined,
      };
    },
  };
  return store;
}
