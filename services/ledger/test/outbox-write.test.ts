import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { EventEnvelopeSchema } from "#gen/wallet/events/v1/envelope_pb.js";
import { AccountOpenedSchema } from "#gen/wallet/events/v1/ledger_events_pb.js";
import { writeOutboxEvents } from "#platform/outbox/index.js";
import { useTestDatabase } from "#platform/testing/index.js";

const database = useTestDatabase({ migrationsFolder: "services/ledger/migrations" });

const accountOpened = (accountId: string) =>
  ({ case: "accountOpened", value: create(AccountOpenedSchema, { accountId, currency: "EUR" }) }) as const;

test("the ledger's migrations create the platform outbox table", async () => {
  const { migrations } = await database();
  assert.ok(migrations.includes("0002_outbox"), `applied: ${migrations.join(", ")}`);
});

test("an event written in a committed transaction is stored pending with its encoded envelope", async () => {
  const { db } = await database();
  const [eventId] = await db.transaction().execute((trx) =>
    writeOutboxEvents(trx, "ledger", [
      { aggregateType: "account", aggregateId: "acc-1", aggregateVersion: 3n, payload: accountOpened("acc-1"), correlationId: "req-1" },
    ]),
  );
  const row = await db.selectFrom("outbox_events").selectAll().where("event_id", "=", eventId!).executeTakeFirstOrThrow();
  assert.equal(row.status, "pending");
  assert.equal(row.attempts, 0);
  assert.equal(row.event_type, "wallet.events.v1.AccountOpened");
  assert.equal(row.routing_key, "ledger.AccountOpened");
  assert.equal(row.aggregate_version, 3n);

  const envelope = fromBinary(EventEnvelopeSchema, row.payload);
  assert.equal(envelope.eventId, eventId);
  assert.equal(envelope.eventType, "wallet.events.v1.AccountOpened");
  assert.equal(envelope.producer, "ledger");
  assert.equal(envelope.aggregateId, "acc-1");
  assert.equal(envelope.aggregateVersion, 3n);
  assert.equal(envelope.correlationId, "req-1");
  assert.equal(envelope.payload.case, "accountOpened");
  assert.equal(timestampDate(envelope.occurredAt!).getTime(), row.occurred_at.getTime());
});

test("events written in a rolled-back transaction leave no row", async () => {
  const { db } = await database();
  let written: string[] = [];
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      written = await writeOutboxEvents(trx, "ledger", [
        { aggregateType: "account", aggregateId: "acc-2", payload: accountOpened("acc-2") },
      ]);
      throw new Error("the change failed");
    }),
    /the change failed/,
  );
  assert.equal(written.length, 1);
  const rows = await db.selectFrom("outbox_events").select("event_id").where("event_id", "in", written).execute();
  assert.deepEqual(rows, []);
});

test("writing several events returns one distinct id per event, in order", async () => {
  const { db } = await database();
  const ids = await writeOutboxEvents(db, "ledger", [
    { aggregateType: "account", aggregateId: "a", payload: accountOpened("a") },
    { aggregateType: "account", aggregateId: "b", payload: accountOpened("b") },
  ]);
  assert.equal(new Set(ids).size, 2);
  const rows = await db.selectFrom("outbox_events").select(["event_id", "aggregate_id"]).where("event_id", "in", ids).execute();
  const byId = new Map(rows.map((r) => [r.event_id, r.aggregate_id]));
  assert.deepEqual(ids.map((id) => byId.get(id)), ["a", "b"]);
});

test("an event without a payload is refused", async () => {
  const { db } = await database();
  await assert.rejects(
    writeOutboxEvents(db, "ledger", [{ aggregateType: "account", aggregateId: "x", payload: { case: undefined } }]),
    /needs a payload/,
  );
});
