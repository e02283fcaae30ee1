import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { TransferPostedSchema } from "#gen/wallet/events/v1/ledger_events_pb.js";
import { writeOutboxEvents } from "#platform/outbox/index.js";
import { collectEvents } from "#platform/outbox/testing/index.js";
import { testInfrastructure, useTestAmqp, useTestDatabase } from "#platform/testing/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const database = useTestDatabase({ migrationsFolder: "services/ledger/migrations" });
const amqp = useTestAmqp();

test("the ledger-outbox-relay process publishes the outbox, reports ready with metrics, and stops cleanly on SIGTERM", async (t) => {
  const { db, url } = await database();
  const bus = await amqp();
  const infra = await testInfrastructure();
  const exchange = bus.name("events");
  const collector = await collectEvents(bus.connection, { exchange, queue: bus.name("all"), bindingKey: "ledger.#" });
  t.after(() => collector.close());

  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "services/ledger/src/outbox-relay.ts")], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      ADMIN_PORT: "0",
      INTERNAL_AUTH_MODE: "off",
      LEDGER_DATABASE_URL: url,
      REDIS_URL: infra.redisUrl,
      AMQP_URL: bus.url,
      OUTBOX_EXCHANGE: exchange,
      OUTBOX_POLL_INTERVAL_MS: "20",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  t.after(() => child.kill("SIGKILL"));
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const adminPort = await new Promise<number>((resolve, reject) => {
    let buffered = "";
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      const match = /"adminPort":(\d+)/.exec(buffered);
      if (match) resolve(Number(match[1]));
    });
    void exited.then((code) => reject(new Error(`relay exited with ${code}: ${stderr}`)));
  });

  const ids = await writeOutboxEvents(db, "ledger", [
    { aggregateType: "transaction", aggregateId: "tx-p", payload: { case: "transferPosted", value: create(TransferPostedSchema, { transactionId: "tx-p" }) } },
  ]);
  await collector.waitFor({ ids });

  const ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
  assert.equal(ready.status, 200, await ready.text());
  const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  assert.match(metrics, /^outbox_published_total\{[^}]*producer="ledger"[^}]*\} 1$/m);
  assert.match(metrics, /^outbox_backlog\{[^}]*producer="ledger"[^}]*\} 0$/m);

  child.kill("SIGTERM");
  assert.equal(await exited, 0);
});
