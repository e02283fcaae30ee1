/**
 * Builds the ledger's domain events (wallet.events.v1) from domain objects,
 * for the outbox. Events carry the owners' user ids so consumers need no call back.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { NewOutboxEvent } from "#platform/outbox/index.js";
import { MoneySchema, type Money as MoneyPb } from "#gen/wallet/common/v1/money_pb.js";
import type { Channel } from "#gen/wallet/common/v1/channel_pb.js";
import { InitiatorSchema, type Initiator } from "#gen/wallet/events/v1/ledger_events_pb.js";

/** Who started a user-initiated movement (from the request's RiskContext). */
export interface InitiatorInfo {
  readonly userId: string;
  readonly deviceId: string;
  readonly ipAddress: string;
  readonly channel: Channel;
  readonly sessionId: string;
}

/** Money as a protobuf message. */
export function money(amountMinor: bigint, currency: string): MoneyPb {
  return create(MoneySchema, { amountMinor, currency });
}

/** The event's Initiator, or undefined for system-initiated movements. */
export function initiatorOf(info: InitiatorInfo | undefined): Initiator | undefined {
  return info ? create(InitiatorSchema, info) : undefined;
}

/** An outbox event about one aggregate. */
export function event(aggregateType: "account" | "transaction" | "hold", aggregateId: string, payload: NewOutboxEvent["payload"]): NewOutboxEvent {
  return { aggregateType, aggregateId, payload };
}

/** A Date as a protobuf Timestamp. */
export const ts = timestampFromDate;
