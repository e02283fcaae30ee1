/** Row types of the exporter's own tables (migrations/0002_export_state.ts). */
import type { ColumnType, Generated } from "kysely";

export interface ExportCursorTable {
  singleton: Generated<boolean>;
  position: Generated<bigint>;
  entry_hash: Generated<string>;
  last_delivered_at: Date | null;
  updated_at: Generated<Date>;
}

export interface ExportPendingBatchTable {
  singleton: Generated<boolean>;
  batch_id: string;
  first_position: bigint;
  last_position: bigint;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ExportDeadLettersTable {
  batch_id: string;
  first_position: bigint;
  last_position: bigint;
  previous_hash: string;
  chain_hash: string;
  event_count: number;
  body: string;
  attempts: number;
  last_status: number | null;
  last_error: string;
  dead_at: Generated<Date>;
  replay_attempts: Generated<number>;
  replay_failures: Generated<number>;
  replayed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** The audit-export database. */
export interface AuditExportDatabase {
  export_cursor: ExportCursorTable;
  export_pending_batch: ExportPendingBatchTable;
  export_dead_letters: ExportDeadLettersTable;
}
