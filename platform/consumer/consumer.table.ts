import type { ColumnType, Generated } from "kysely";

/** Row type of `processed_events` (see `migrations/0001_processed_events.ts`). */
export interface ProcessedEventsTable {
  consumer: string;
  event_id: string;
  /** Fully-qualified payload name, e.g. "wallet.events.v1.TransferPosted". */
  event_type: string;
  processed_at: Generated<Date>;
}

/** Row type of `dead_letter_events`. */
export interface DeadLetterEventsTable {
  /** int8: a string or a bigint depending on the pool's type parsers. */
  id: ColumnType<string | bigint, never, never>;
  /** Null when the message could not be decoded to an envelope with a UUID event id. */
  event_id: string | null;
  consumer: string;
  event_type: string | null;
  /** The routing key the event was published with, e.g. "ledger.TransferPosted". */
  routing_key: string;
  /** The message body as received (normally an encoded `EventEnvelope`). */
  payload: Uint8Array;
  /** The AMQP headers as received, plus `message-id`, `type` and `content-type`. */
  headers: ColumnType<Record<string, unknown>, string, string>;
  last_error: string;
  attempts: number;
  dead_lettered_at: Generated<Date>;
  replayed_at: Date | null;
}

/** The tables of the consumer mechanism, for typed queries inside platform/consumer. */
export interface ConsumerDatabase {
  processed_events: ProcessedEventsTable;
  dead_letter_events: DeadLetterEventsTable;
}
