import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { HoldCapturedSchema } from "../../../gen/wallet/events/v1/ledger_events_pb.js";
import { eventTypeOf, routingKeyOf } from "../event-routing.js";

test("the event type is the payload's fully-qualified message name", () => {
  assert.equal(eventTypeOf({ case: "holdCaptured", value: create(HoldCapturedSchema, {}) }), "wallet.events.v1.HoldCaptured");
});

test("an empty payload has no event type", () => {
  assert.throws(() => eventTypeOf({ case: undefined }), /needs a payload/);
});

test("the routing key is the producer and the payload's short name", () => {
  assert.equal(routingKeyOf("ledger", "wallet.events.v1.TransferPosted"), "ledger.TransferPosted");
});
