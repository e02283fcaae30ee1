/** Identity events as the facts risk acts on. */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import { SessionRevocationReason as SessionRevocationReasonPb } from "#gen/wallet/events/v1/identity_events_pb.js";
import type { IdentityFact, SessionRevocationReason } from "./domain/identity-alerts.js";

/** The identity fact an event carries, if risk acts on it; a device event without a device id carries none. */
export function identityFactOf(envelope: EventEnvelope): IdentityFact | undefined {
  const p = envelope.payload;
  const occurredAt = envelope.occurredAt ? timestampDate(envelope.occurredAt) : undefined;
  switch (p.case) {
    case "loginFromNewDevice": {
      if (p.value.deviceId === "") return undefined;
      const seenAt = p.value.loggedInAt ? timestampDate(p.value.loggedInAt) : occurredAt;
      return { kind: "DEVICE_SEEN", deviceId: p.value.deviceId, seenAt };
    }
    case "deviceRegistered":
      if (p.value.deviceId === "") return undefined;
      return { kind: "DEVICE_SEEN", deviceId: p.value.deviceId, seenAt: occurredAt };
    case "sessionRevoked":
      return {
        kind: "SESSION_REVOKED",
        userId: p.value.userId,
        sessionId: p.value.sessionId,
        deviceId: p.value.deviceId,
        // An enum value newer than this build reads as UNSPECIFIED: it raises nothing.
        reason: (SessionRevocationReasonPb[p.value.reason] ?? "UNSPECIFIED") as SessionRevocationReason,
      };
    default:
      return undefined;
  }
}
