import type { JsonValue } from "@bufbuild/protobuf";
import type { ColumnType, Generated } from "kysely";

/** Lifecycle of an outbox row: waiting (or retrying), published, or given up on. */
export type OutboxStatus = "pending" | "sent" | "dead";

/** Row type of `outbox_events` (see `migrations/0001_outbox_events.ts`). */
export interface OutboxEventsTable {
  event_id: string;
  producer: string;
  /** Fully-qualified payload name, e.g. "wallet.events.v1.TransferPosted". */
  event_type: string;
  /** "<producer>.<PayloadName>", e.g. "ledger.TransferPosted". */
  routing_key: string;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_version: ColumnType<bigint, bigint | undefined, bigint>;
  /** The encoded `wallet.events.v1.EventEnvelope`; empty when `payload_json` holds it. */
  payload: Uint8Array;
  /** The envelope as proto3 JSON, for rows written by SQL (migration 0002); the relay encodes it. */
  payload_json: ColumnType<JsonValue | null, JsonValue | undefined, never>;
  occurred_at: ColumnType<Date, Date, Date>;
  status: ColumnType<OutboxStatus, OutboxStatus | undefined, OutboxStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date, Date | undefined, Date>;
  last_error: string | null;
  sent_at: Date | null;
  created_at: Generated<Date>;
}

/** The tables of the outbox mechanism, for typed queries inside platform/outbox. */
export interface OutboxDatabase {
  outbox_events: OutboxEventsTable;
}
