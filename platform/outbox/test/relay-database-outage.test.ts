import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import type { Kysely } from "kysely";
import { TransferPostedSchema } from "../../../gen/wallet/events/v1/ledger_events_pb.js";
import { createDb } from "../../db/index.js";
import { createLogger } from "../../logging/index.js";
import { createTcpProxy, useTestAmqp, useTestDatabase, type TcpProxy } from "../../testing/index.js";
import { writeOutboxEvents } from "../index.js";
import { collectEvents, startTestRelay, type EventCollector, type TestRelay } from "../testing/index.js";

const database = useTestDatabase({ migrationsFolder: "platform/outbox/migrations" });
const amqp = useTestAmqp();

/** The reconnect cap under test, far below the per-row retry ceiling. */
const CAP_MS = 500;
/** The relay's pause between polls (added to every wait after a failed transaction). */
const POLL_MS = 20;
/** Reconnecting to PostgreSQL through the proxy, claiming, publishing and confirming, on a busy 2-core machine. */
const MARGIN_MS = 2_000;
/** How long PostgreSQL is unreachable: uncapped, the waits after the 3rd or 4th failure alone would be up to 4-8 s. */
const OUTAGE_MS = 4_500;

const event = (transactionId: string) => ({
  aggregateType: "transaction",
  aggregateId: transactionId,
  payload: { case: "transferPosted", value: create(TransferPostedSchema, { transactionId }) } as const,
});

test("after a PostgreSQL outage the relay publishes again within the reconnect cap, however long the per-row retry ceiling", async (t) => {
  const { db, url, name } = await database();
  const bus = await amqp();

  let collector: EventCollector | undefined;
  let proxy: TcpProxy | undefined;
  let relayDb: Kysely<any> | undefined;
  let relay: TestRelay | undefined;
  // One hook, in dependency order: stop the relay, close its pool, then the proxy and the queue consumer.
  t.after(async () => {
    await relay?.stop();
    await relayDb?.destroy();
    await proxy?.close();
    await collector?.close();
  });

  const exchange = bus.name("events-database-outage");
  collector = await collectEvents(bus.connection, { exchange, queue: bus.name("database-outage-all"), bindingKey: "ledger.#" });
  const target = new URL(url);
  proxy = await createTcpProxy({ targetHost: target.hostname, targetPort: Number(target.port || 5432) });
  // Only the relay reaches PostgreSQL through the proxy; the test writes through `db` directly.
  relayDb = createDb(proxy.url(url), { applicationName: `${name}_relay`, poolSize: 2, connectionTimeoutMs: 2_000 });

  // The relay's log is how its waits after failed transactions are seen.
  const failedBatches: { retryInMs: number }[] = [];
  const logger = createLogger({
    service: "relay-database-outage",
    level: "error",
    destination: {
      write(line: string) {
        const record = JSON.parse(line) as { msg?: string; retryInMs?: number };
        if (record.msg === "outbox batch failed" && typeof record.retryInMs === "number") failedBatches.push({ retryInMs: record.retryInMs });
      },
    },
  });
  // Per-row retries start at 1 s and double up to a minute: before failed transactions had the
  // reconnect cap, the relay backed off that far while PostgreSQL was down.
  relay = startTestRelay({
    db: relayDb,
    amqpUrl: bus.url,
    exchange,
    backoff: { baseMs: 1_000, maxMs: 60_000 },
    reconnectMaxMs: CAP_MS,
    pollIntervalMs: POLL_MS,
    logger,
  });

  // Publishing through the proxy works, and the relay's pool holds a connection the cut will break.
  await collector.waitFor({ ids: await writeOutboxEvents(db, "ledger", [event("tx-before-outage")]) }, 10_000);
  assert.equal(failedBatches.length, 0);

  proxy.cut("refuse");
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  proxy.restore();
  const restoredAt = Date.now();
  const failuresDuringOutage = failedBatches.map((f) => f.retryInMs);

  const ids = await writeOutboxEvents(db, "ledger", [event("tx-after-outage")]);
  const published = await collector.waitFor({ ids }, CAP_MS + MARGIN_MS).then(
    () => true,
    () => false,
  );
  const tookMs = Date.now() - restoredAt;
  t.diagnostic(`${failuresDuringOutage.length} failed transactions during the outage, waits ${failuresDuringOutage.join(", ")} ms; published ${tookMs} ms after PostgreSQL came back`);

  assert.ok(published, `not published within ${CAP_MS + MARGIN_MS} ms of PostgreSQL coming back (waits after failed transactions: ${failuresDuringOutage.join(", ")} ms)`);
  assert.ok(failuresDuringOutage.length >= 3, `the relay kept retrying during the outage: ${failuresDuringOutage.length} failed transactions`);
  assert.ok(
    failuresDuringOutage.every((ms) => ms <= CAP_MS + POLL_MS),
    `no wait after a failed transaction above the cap: ${failuresDuringOutage.join(", ")} ms`,
  );
});
