import type { EventEnvelope } from "../../gen/wallet/events/v1/envelope_pb.js";

/** The `payload` oneof of an envelope with a case set. */
export type EventPayload = Exclude<EventEnvelope["payload"], { case: undefined }>;

/**
 * The envelope's `event_type`: the payload's fully-qualified protobuf name,
 * e.g. "wallet.events.v1.TransferPosted". Throws when no payload is set.
 */
export function eventTypeOf(payload: EventEnvelope["payload"]): string {
  if (payload.case === undefined) throw new Error("an outbox event needs a payload");
  return payload.value.$typeName;
}

/**
 * The AMQP routing key "<producer>.<PayloadName>", e.g. "ledger.TransferPosted",
 * so a queue binds "ledger.#" for a producer or "*.TransferPosted" for one event.
 */
export function routingKeyOf(producer: string, eventType: string): string {
  const name = eventType.slice(eventType.lastIndexOf(".") + 1);
  return `${producer}.${name}`;
}
