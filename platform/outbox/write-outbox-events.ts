import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Kysely, Transaction } from "kysely";
import { EventEnvelopeSchema, type EventEnvelope } from "../../gen/wallet/events/v1/envelope_pb.js";
import { eventTypeOf, routingKeyOf } from "./event-routing.js";
import type { OutboxDatabase } from "./outbox.table.js";

/** A domain event to record in the outbox; the envelope's other fields are filled in. */
export interface NewOutboxEvent {
  /** Lower snake case kind of entity: "account", "transaction", "hold"... */
  aggregateType: string;
  aggregateId: string;
  /** Per-aggregate sequence number; 0 (the default) when not tracked. */
  aggregateVersion?: bigint;
  /** The event itself: `{ case: "transferPosted", value: create(TransferPostedSchema, {...}) }`. */
  payload: EventEnvelope["payload"];
  correlationId?: string;
  causationId?: string;
}

/**
 * Records domain events in `outbox_events` as part of the caller's
 * transaction, so they exist if and only if the change they describe
 * commits; the relay publishes them afterwards. Each gets a fresh UUID
 * `event_id` (returned in order), `event_type` from its payload, the routing
 * key "<producer>.<PayloadName>" and `occurred_at` = now. Pass the
 * `Transaction` of the change: given the `Kysely` instance itself the rows
 * commit on their own.
 *
 * Throws when an event has no payload, and whatever the insert raises.
 */
export async function writeOutboxEvents(
  db: Kysely<any> | Transaction<any>,
  producer: string,
  events: NewOutboxEvent[],
): Promise<string[]> {
  if (events.length === 0) return [];
  const occurredAt = new Date();
  const rows = events.map((event) => {
    const eventId = randomUUID();
    const eventType = eventTypeOf(event.payload);
    const aggregateVersion = event.aggregateVersion ?? 0n;
    const envelope = create(EventEnvelopeSchema, {
      eventId,
      eventType,
      occurredAt: timestampFromDate(occurredAt),
      aggregateType: event.aggregateType,
      aggregateId: event.aggregateId,
      aggregateVersion,
      producer,
      correlationId: event.correlationId ?? "",
      causationId: event.causationId ?? "",
      payload: event.payload,
    });
    return {
      event_id: eventId,
      producer,
      event_type: eventType,
      routing_key: routingKeyOf(producer, eventType),
      aggregate_type: event.aggregateType,
      aggregate_id: event.aggregateId,
      aggregate_version: aggregateVersion,
      payload: toBinary(EventEnvelopeSchema, envelope),
      occurred_at: occurredAt,
    };
  });
  await (db as Kysely<OutboxDatabase>).insertInto("outbox_events").values(rows).execute();
  return rows.map((row) => row.event_id);
}
