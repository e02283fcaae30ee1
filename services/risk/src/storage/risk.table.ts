import type { ColumnType } from "kysely";

/** Row types of risk's tables (migration 0002). */
export interface RiskRulesTable {
  id: string;
  kind: string;
  description: string;
  scope: string | null;
  window_ms: bigint | null;
  currency: string;
  threshold_minor: bigint | null;
  threshold_count: number | null;
  margin_bps: number | null;
  device_age_ms: bigint | null;
  transaction_kinds: string[];
  decision: string;
  score: number;
  enabled: boolean;
  version: ColumnType<bigint, bigint | undefined, bigint>;
  created_at: ColumnType<Date, Date | undefined, Date>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface BlocklistEntriesTable {
  id: ColumnType<string, string | undefined, never>;
  kind: string;
  value: string;
  reason: string;
  expires_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  created_by: string;
}

/** Risk's database. */
export interface RiskDatabase {
  risk_rules: RiskRulesTable;
  blocklist_entries: BlocklistEntriesTable;
}
