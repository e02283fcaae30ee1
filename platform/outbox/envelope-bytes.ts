import { fromJson, toBinary, type JsonValue } from "@bufbuild/protobuf";
import { EventEnvelopeSchema } from "../../gen/wallet/events/v1/envelope_pb.js";

/**
 * The binary envelope of an outbox row: `payload` as stored, or the proto3
 * JSON of `payload_json` (written by producers that build their events in
 * SQL) encoded. Throws when that JSON is not an EventEnvelope, which no retry
 * can mend.
 */
export function envelopeBytes(row: { payload: Uint8Array; payload_json: JsonValue | null }): Uint8Array {
  if (row.payload_json === null) return row.payload;
  return toBinary(EventEnvelopeSchema, fromJson(EventEnvelopeSchema, row.payload_json));
}
