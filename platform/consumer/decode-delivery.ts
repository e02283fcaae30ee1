import { fromBinary } from "@bufbuild/protobuf";
import type { Message } from "amqplib";
import { EventEnvelopeSchema, type EventEnvelope } from "../../gen/wallet/events/v1/envelope_pb.js";

/** Header: failed handling attempts so far (set on messages sent through a delay queue). */
export const ATTEMPTS_HEADER = "x-consumer-attempts";
/** Header: the routing key the event was first published with (retries and replays travel by queue name). */
export const ORIGINAL_ROUTING_KEY_HEADER = "x-original-routing-key";
/** Header: the error of the last failed attempt, for people reading the queues. */
export const LAST_ERROR_HEADER = "x-consumer-last-error";
/** Header: set on a dead letter put back by replay. */
export const REPLAYED_HEADER = "x-replayed";
/** Key of `dead_letter_events.headers` holding the message's AMQP properties. */
export const PROPERTIES_KEY = "x-amqp-properties";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A message body that is, or is not, an envelope the consumer can process. */
export type DecodedDelivery =
  | { readonly ok: true; readonly envelope: EventEnvelope }
  | { readonly ok: false; readonly error: string; readonly eventId: string | null; readonly eventType: string | null };

/**
 * Decodes a message body as a `wallet.events.v1.EventEnvelope` and checks
 * that it carries a UUID event id. Anything else is undecodable: retrying
 * cannot fix it, so it goes straight to the dead letters.
 */
export function decodeDelivery(message: Message): DecodedDelivery {
  const messageId = typeof message.properties.messageId === "string" ? message.properties.messageId : "";
  const type = typeof message.properties.type === "string" && message.properties.type !== "" ? message.properties.type : null;
  let envelope: EventEnvelope;
  try {
    envelope = fromBinary(EventEnvelopeSchema, message.content);
  } catch (err) {
    return { ok: false, error: `undecodable EventEnvelope: ${(err as Error).message}`, eventId: UUID.test(messageId) ? messageId : null, eventType: type };
  }
  if (!UUID.test(envelope.eventId)) {
    return { ok: false, error: `EventEnvelope without a UUID event_id (${JSON.stringify(envelope.eventId.slice(0, 64))})`, eventId: UUID.test(messageId) ? messageId : null, eventType: envelope.eventType || type };
  }
  return { ok: true, envelope };
}

/** Failed attempts recorded on a message (0 for a first delivery). */
export function attemptsOf(message: Message): number {
  const value = Number(message.properties.headers?.[ATTEMPTS_HEADER] ?? 0);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/** The routing key the event was published with, wherever the message has travelled since. */
export function originalRoutingKeyOf(message: Message): string {
  const headers = message.properties.headers ?? {};
  const recorded = headers[ORIGINAL_ROUTING_KEY_HEADER];
  if (typeof recorded === "string" && recorded !== "") return recorded;
  const death = Array.isArray(headers["x-death"]) ? (headers["x-death"].at(-1) as { "routing-keys"?: unknown[] } | undefined) : undefined;
  const deathKey = death?.["routing-keys"]?.[0];
  return typeof deathKey === "string" ? deathKey : message.fields.routingKey;
}

/** Headers to carry over when re-publishing: the broker's own (x-death, delivery count) are left out. */
export function carriedHeaders(message: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message.properties.headers ?? {})) {
    if (key === "x-death" || key.startsWith("x-first-death") || key.startsWith("x-last-death") || key === "x-delivery-count") continue;
    out[key] = value;
  }
  return out;
}

/** The message's headers and properties as JSON for `dead_letter_events.headers`. */
export function headersForRecord(message: Message): Record<string, unknown> {
  const p = message.properties;
  const properties = {
    "message-id": p.messageId ?? null,
    type: p.type ?? null,
    "content-type": p.contentType ?? null,
    "app-id": p.appId ?? null,
    "correlation-id": p.correlationId ?? null,
    timestamp: p.timestamp ?? null,
  };
  const json = JSON.stringify({ ...(p.headers ?? {}), [PROPERTIES_KEY]: properties }, (_key, value) =>
    typeof value === "bigint" ? value.toString() : value,
  );
  return JSON.parse(json) as Record<string, unknown>;
}
