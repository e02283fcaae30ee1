/** The revoked-session list against a real Redis: identity's recorder, the readers' checker and its cache. */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { useTestRedis } from "#platform/testing/index.js";
import {
  createRevokedSessionChecker,
  createRevokedSessionRecorder,
  revokedSessionKey,
  RevocationUnavailableError,
} from "../index.js";

const redis = useTestRedis();

/** A Redis that never connects (a closed port). */
function unreachableRedis(): Redis {
  const down = new Redis("redis://127.0.0.1:1", { lazyConnect: false, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  down.on("error", () => {});
  return down;
}

/** The real connection, counting the EXISTS lookups made through it. */
function countingLookups(real: Redis): { redis: Redis; lookups(): number } {
  let lookups = 0;
  const redis = new Proxy(real, {
    get(target, name) {
      if (name === "exists") return (...args: Parameters<Redis["exists"]>) => (lookups++, target.exists(...args));
      return Reflect.get(target, name, target);
    },
  });
  return { redis, lookups: () => lookups };
}

test("a session identity recorded is answered revoked; any other session active", async () => {
  const r = await redis();
  const recorder = createRevokedSessionRecorder({ redis: r.redis, keyPrefix: r.prefix, ttlMs: 60_000 });
  const checker = createRevokedSessionChecker({ redis: r.redis, keyPrefix: r.prefix, cacheMs: 0 });
  const [ended, other] = [randomUUID(), randomUUID()];
  await recorder.record([ended], "LOGOUT");
  assert.equal(await checker.status(ended), "revoked");
  assert.equal(await checker.status(other), "active");
});

test("an entry is kept as long as the longest access-token lifetime, with the reason as its value", async () => {
  const r = await redis();
  const recorder = createRevokedSessionRecorder({ redis: r.redis, keyPrefix: r.prefix, ttlMs: 330_000 });
  const [a, b] = [randomUUID(), randomUUID()];
  await recorder.record([a, b], "PASSWORD_CHANGED");
  for (const id of [a, b]) {
    const key = revokedSessionKey(r.prefix, id);
    assert.equal(key, `${r.prefix}revoked-session:${id}`);
    assert.equal(await r.redis.get(key), "PASSWORD_CHANGED");
    const ttl = await r.redis.pttl(key);
    assert.ok(ttl > 325_000 && ttl <= 330_000, `ttl ${ttl}`);
  }
});

test("an answer is reused for the cache time: a session checked just before its revocation is refused once that time has passed", async () => {
  const r = await redis();
  let now = 1_000_000;
  const { redis: counted, lookups } = countingLookups(r.redis);
  const checker = createRevokedSessionChecker({ redis: counted, keyPrefix: r.prefix, cacheMs: 1_000, now: () => now });
  const recorder = createRevokedSessionRecorder({ redis: r.redis, keyPrefix: r.prefix, ttlMs: 60_000 });
  const id = randomUUID();
  assert.equal(await checker.status(id), "active");
  await recorder.record([id], "LOGOUT");
  now += 999;
  assert.equal(await checker.status(id), "active", "within the cache time the earlier answer stands");
  assert.equal(lookups(), 1);
  now += 2;
  assert.equal(await checker.status(id), "revoked");
  assert.equal(lookups(), 2);
});

test("concurrent checks of one session make one Redis lookup", async () => {
  const r = await redis();
  const { redis: counted, lookups } = countingLookups(r.redis);
  const checker = createRevokedSessionChecker({ redis: counted, keyPrefix: r.prefix, cacheMs: 0 });
  const id = randomUUID();
  const answers = await Promise.all(Array.from({ length: 20 }, () => checker.status(id)));
  assert.ok(answers.every((a) => a === "active"));
  assert.equal(lookups(), 1);
});

test("with Redis unreachable the checker answers unknown at once, counted as unavailable", async () => {
  const down = unreachableRedis();
  try {
    const registry = new Registry();
    const checker = createRevokedSessionChecker({ redis: down, keyPrefix: "down:", registry });
    const started = Date.now();
    assert.equal(await checker.status(randomUUID()), "unknown");
    assert.ok(Date.now() - started < 100);
    const metric = await registry.getSingleMetricAsString("session_revocation_checks_total");
    assert.match(metric, /session_revocation_checks_total\{outcome="unavailable"\} 1/);
  } finally {
    down.disconnect();
  }
});

test("with Redis unreachable recording refuses with RevocationUnavailableError, so identity's revocation rolls back", async () => {
  const down = unreachableRedis();
  try {
    const recorder = createRevokedSessionRecorder({ redis: down, keyPrefix: "down:", ttlMs: 60_000 });
    await assert.rejects(recorder.record([randomUUID()], "LOGOUT"), RevocationUnavailableError);
  } finally {
    down.disconnect();
  }
});
