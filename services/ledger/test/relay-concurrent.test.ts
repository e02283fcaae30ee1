import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { TransferPostedSchema } from "#gen/wallet/events/v1/ledger_events_pb.js";
import { writeOutboxEvents } from "#platform/outbox/index.js";
import { collectEvents, startTestRelay } from "#platform/outbox/testing/index.js";
import { useTestAmqp, useTestDatabase } from "#platform/testing/index.js";

const database = useTestDatabase({ migrationsFolder: "services/ledger/migrations", poolSize: 10 });
const amqp = useTestAmqp();

const TOTAL = 3_000;

test("two relays at once publish every row, each claiming rows the other has not locked", async (t) => {
  const { db } = await database();
  const bus = await amqp();
  const exchange = bus.name("events");
  const collector = await collectEvents(bus.connection, { exchange, queue: bus.name("all"), bindingKey: "ledger.#" });
  t.after(() => collector.close());

  const written: string[] = [];
  for (let i = 0; i < TOTAL; i += 100) {
    const batch = Array.from({ length: 100 }, (_, j) => ({
      aggregateType: "transaction",
      aggregateId: `tx-${i + j}`,
      payload: { case: "transferPosted", value: create(TransferPostedSchema, { transactionId: `tx-${i + j}` }) } as const,
    }));
    written.push(...(await writeOutboxEvents(db, "ledger", batch)));
  }
  const first = startTestRelay({ db, amqpUrl: bus.url, exchange, batchSize: 50 });
  const second = startTestRelay({ db, amqpUrl: bus.url, exchange, batchSize: 50 });
  t.after(() => Promise.all([first.stop(), second.stop()]));
  await collector.waitFor({ ids: written }, 50_000);
  await Promise.all([first.stop(), second.stop()]);

  const publishedBy = async (relay: typeof first) =>
    (await relay.registry.getSingleMetric("outbox_published_total")!.get()).values[0]?.value ?? 0;
  const [byFirst, bySecond] = [await publishedBy(first), await publishedBy(second)];
  t.diagnostic(`first relay published ${byFirst}, second ${bySecond}; delivered ${collector.received.length}, duplicates ${collector.duplicates}`);
  assert.equal(collector.distinctIds.size, TOTAL);
  assert.deepEqual(new Set(written), collector.distinctIds);
  assert.equal(byFirst + bySecond, TOTAL, "each row confirmed by exactly one relay");
  const unsent = await db.selectFrom("outbox_events").select("event_id").where("status", "!=", "sent").execute();
  assert.deepEqual(unsent, []);
});
