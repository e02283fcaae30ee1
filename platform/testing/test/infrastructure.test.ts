import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveInfrastructure, startCommands } from "../infrastructure.js";

const explicitUrls = ["TEST_DATABASE_URL", "TEST_REDIS_URL", "TEST_AMQP_URL"].some((v) => process.env[v]);

test("servers answering on the local defaults are used as they are", { skip: explicitUrls && "TEST_* URLs point elsewhere" }, async () => {
  const infra = await resolveInfrastructure({ allowContainers: false });
  assert.deepEqual(infra.sources, { postgres: "local", redis: "local", amqp: "local" });
  await infra.stop();
});

test("an explicit URL that does not answer fails naming its variable, without fallback", async () => {
  await assert.rejects(
    resolveInfrastructure({
      allowContainers: true,
      explicit: { redis: "redis://127.0.0.1:1" },
      explicitVariables: { redis: "TEST_REDIS_URL" },
    }),
    /Redis at redis:\/\/127\.0\.0\.1:1 \(TEST_REDIS_URL\) does not answer/,
  );
});

test("when nothing answers and containers are not allowed the error says exactly what to start", async () => {
  const err = await resolveInfrastructure({
    allowContainers: false,
    defaults: { postgres: "postgres://postgres@127.0.0.1:1/postgres", redis: "redis://127.0.0.1:1", amqp: "amqp://guest:guest@127.0.0.1:1" },
  }).then(() => assert.fail("resolved"), (e: Error) => e.message);
  for (const command of Object.values(startCommands)) assert.ok(err.includes(command), `missing: ${command}\n${err}`);
  assert.match(err, /TEST_DATABASE_URL/);
});
