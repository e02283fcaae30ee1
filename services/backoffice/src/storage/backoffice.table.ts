/** The backoffice database's tables, as Kysely sees them (migrations/ defines them). */
import type { ColumnType, Generated } from "kysely";

export interface AuditLogTable {
  position: ColumnType<bigint, bigint, never>;
  id: string;
  occurred_at: Date;
  actor_id: string;
  actor_roles: string[];
  action: string;
  target_type: string;
  target_id: string;
  reason: string;
  request_id: string;
  client_ip: string;
  outcome: "SUCCEEDED" | "DENIED" | "FAILED";
  error_code: string;
  approval_id: string;
  previous_hash: string;
  entry_hash: string;
}

export interface ApprovalRequestsTable {
  id: string;
  action: string;
  target_type: string;
  target_id: string;
  request_json: string;
  request_digest: string;
  reason_code: string;
  justification: string;
  ticket_reference: string;
  amount_minor: bigint | null;
  currency: string | null;
  maker_id: string;
  status: "PENDING" | "EXECUTED" | "FAILED" | "REJECTED" | "CANCELLED" | "EXPIRED";
  checker_id: ColumnType<string | null, string | undefined, string>;
  decision_note: Generated<string>;
  transaction_id: Generated<string>;
  failure_reason: Generated<string>;
  created_at: Date;
  expires_at: Date;
  decided_at: ColumnType<Date | null, Date | undefined, Date>;
}

export interface BackofficeDatabase {
  audit_log: AuditLogTable;
  approval_requests: ApprovalRequestsTable;
}
