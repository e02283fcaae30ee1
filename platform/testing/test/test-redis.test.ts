import assert from "node:assert/strict";
import { test } from "node:test";
import { Redis } from "ioredis";
import { createTestRedis } from "../test-redis.js";

test("redis cleanup deletes every key under the prefix and nothing else", async () => {
  const testRedis = await createTestRedis();
  const other = await createTestRedis();
  const observer = new Redis(testRedis.url);
  try {
    // More keys than one SCAN batch, so cleanup has to follow the cursor.
    const pipeline = testRedis.redis.pipeline();
    for (let i = 0; i < 1_200; i++) pipeline.set(`${testRedis.prefix}key:${i}`, "v");
    await pipeline.exec();
    await other.redis.set(`${other.prefix}survivor`, "v");

    await testRedis.cleanup();

    const left: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await observer.scan(cursor, "MATCH", `${testRedis.prefix}*`, "COUNT", 1_000);
      cursor = next;
      left.push(...keys);
    } while (cursor !== "0");
    assert.deepEqual(left, []);
    assert.equal(await observer.exists(`${other.prefix}survivor`), 1);
  } finally {
    await other.cleanup();
    await observer.quit();
  }
});
