import { fromBinary } from "@bufbuild/protobuf";
import { EventEnvelopeSchema, type EventEnvelope } from "../../../gen/wallet/events/v1/envelope_pb.js";
import { envelopeBytes } from "../envelope-bytes.js";

/** The envelope of an outbox row as the relay would publish it, whether stored as binary or as proto3 JSON. */
export function outboxEnvelope(row: Parameters<typeof envelopeBytes>[0]): EventEnvelope {
  return fromBinary(EventEnvelopeSchema, envelopeBytes(row));
}
