/**
 * Builds identity's domain events (wallet.events.v1, identity_events.proto)
 * for the outbox; every use case writes them in its own transaction.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Transaction } from "kysely";
import { writeOutboxEvents, type NewOutboxEvent } from "#platform/outbox/index.js";
import {
  DeviceRegisteredSchema,
  DeviceRevokedSchema,
  RevokedBy,
  SessionRevocationReason,
  SessionRevokedSchema,
} from "#gen/wallet/events/v1/identity_events_pb.js";
import { Platform } from "#gen/wallet/identity/v1/device_pb.js";
import type { RevocationReason, Session } from "./domain/sessions.js";
import type { Device } from "./domain/users.js";
import type { IdentityDatabase } from "./storage/identity.table.js";

/** The producer name in the mesh catalogue. */
export const PRODUCER = "identity";

/** An outbox event about one aggregate. */
export function event(aggregateType: "user" | "device" | "session", aggregateId: string, payload: NewOutboxEvent["payload"]): NewOutboxEvent {
  return { aggregateType, aggregateId, payload };
}

/** Writes events in the transaction of the change. */
export async function publish(trx: Transaction<IdentityDatabase>, events: NewOutboxEvent[]): Promise<void> {
  await writeOutboxEvents(trx, PRODUCER, events);
}

/** A Date as a protobuf Timestamp. */
export const ts = timestampFromDate;

/** The proto Platform of a stored platform name. */
export function platformPb(name: string): Platform {
  return (Platform as unknown as Record<string, Platform>)[name] ?? Platform.UNSPECIFIED;
}

/** SessionRevoked events for revoked sessions. */
export function sessionRevokedEvents(sessions: readonly Session[], reason: RevocationReason): NewOutboxEvent[] {
  return sessions.map((s) =>
    event("session", s.id, {
      case: "sessionRevoked",
      value: create(SessionRevokedSchema, {
        userId: s.userId,
        sessionId: s.id,
        deviceId: s.deviceId,
        reason: SessionRevocationReason[reason],
      }),
    }),
  );
}

/** DeviceRegistered for a new device or a changed push token. */
export function deviceRegisteredEvent(device: Device): NewOutboxEvent {
  return event("device", `${device.userId}/${device.deviceId}`, {
    case: "deviceRegistered",
    value: create(DeviceRegisteredSchema, {
      userId: device.userId,
      deviceId: device.deviceId,
      name: device.name,
      platform: platformPb(device.platform),
      pushToken: device.pushToken,
    }),
  });
}

/** DeviceRevoked. */
export function deviceRevokedEvent(device: Device, by: "USER" | "STAFF" | "SYSTEM"): NewOutboxEvent {
  return event("device", `${device.userId}/${device.deviceId}`, {
    case: "deviceRevoked",
    value: create(DeviceRevokedSchema, { userId: device.userId, deviceId: device.deviceId, revokedBy: RevokedBy[by] }),
  });
}
