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

/** Row type of `risk_alerts` (migration 0004). */
export interface RiskAlertsTable {
  id: ColumnType<string, string | undefined, never>;
  kind: string;
  severity: string;
  status: string;
  title: string;
  user_id: string;
  account_id: string;
  transaction_id: string;
  amount_minor: bigint | null;
  currency: string | null;
  rule_ids: string[];
  source_event_id: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  acknowledged_at: Date | null;
  acknowledged_by: string;
  resolved_at: Date | null;
  resolved_by: string;
  resolution: string | null;
  resolution_note: string;
}

/** Risk's database. */
export interface RiskDatabase {
  risk_rules: RiskRulesTable;
  blocklist_entries: BlocklistEntriesTable;
  risk_alerts: RiskAlertsTable;
}
