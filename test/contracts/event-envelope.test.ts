import assert from "node:assert/strict";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { test } from "node:test";
import { EventEnvelopeSchema } from "../../gen/wallet/events/v1/envelope_pb.js";
import { TransferPostedSchema } from "../../gen/wallet/events/v1/ledger_events_pb.js";

const payload = EventEnvelopeSchema.oneofs.find((o) => o.name === "payload");

test("every payload case is named after its message, so event_type follows from the case", () => {
  assert.ok(payload, "EventEnvelope has a `payload` oneof");
  const mismatched = payload.fields.filter((field) => {
    const message = field.message;
    if (!message || !message.typeName.startsWith("wallet.events.v1.")) return true;
    const snake = message.name.replace(/(?<!^)([A-Z])/g, "_$1").toLowerCase();
    return snake !== field.name;
  });
  assert.deepEqual(mismatched.map((f) => f.name), []);
});

test("an envelope round-trips through binary encoding with its typed payload", () => {
  const envelope = create(EventEnvelopeSchema, {
    eventId: "0b0c6d1e-3f0a-4a53-9f57-6c1b8e0b7a11",
    eventType: TransferPostedSchema.typeName,
    occurredAt: timestampFromDate(new Date("2025-01-02T03:04:05Z")),
    aggregateType: "transaction",
    aggregateId: "7d3f2a10-5c8e-4b2a-8a8e-2b9f1d0c4e55",
    producer: "ledger",
    payload: {
      case: "transferPosted",
      value: { transactionId: "7d3f2a10-5c8e-4b2a-8a8e-2b9f1d0c4e55", amount: { amountMinor: 1234n, currency: "EUR" } },
    },
  });
  const decoded = fromBinary(EventEnvelopeSchema, toBinary(EventEnvelopeSchema, envelope));
  assert.equal(decoded.eventType, "wallet.events.v1.TransferPosted");
  assert.equal(decoded.payload.case, "transferPosted");
  assert.equal(decoded.payload.value?.amount?.amountMinor, 1234n);
});
