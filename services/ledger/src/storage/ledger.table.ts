import type { ColumnType, Generated } from "kysely";
import type { OutboxDatabase } from "#platform/outbox/index.js";

/** Row types of the ledger's tables (migrations 0003, 0004 and the outbox). */
export interface AccountsTable {
  id: string;
  owner_user_id: string | null;
  kind: string;
  currency: string;
  status: string;
  allow_negative: boolean;
  label: string;
  is_default: boolean;
  created_at: ColumnType<Date, Date | undefined, never>;
  status_changed_at: ColumnType<Date, Date | undefined, Date>;
  status_reason: string;
}

export interface BalancesTable {
  account_id: string;
  currency: string;
  allow_negative: boolean;
  posted: bigint;
  held: bigint;
  version: bigint;
  last_entry_sequence: bigint;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface TransactionsTable {
  id: string;
  kind: string;
  description: string;
  metadata: ColumnType<Record<string, string>, string, never>;
  external_reference: string;
  original_transaction_id: string | null;
  hold_id: string | null;
  caller: string;
  created_at: ColumnType<Date, never, never>;
}

export interface PostingsTable {
  id: Generated<bigint>;
  transaction_id: string;
  source_account_id: string;
  destination_account_id: string;
  amount: bigint;
  currency: string;
  created_at: Date;
}

export interface EntriesTable {
  account_id: string;
  sequence: bigint;
  posting_id: bigint;
  transaction_id: string;
  direction: "DEBIT" | "CREDIT";
  amount: bigint;
  balance_after: bigint;
  counterparty_account_id: string;
  posted_at: Date;
}

export interface HoldsTable {
  id: string;
  account_id: string;
  destination_account_id: string;
  currency: string;
  amount: bigint;
  captured: bigint;
  status: string;
  description: string;
  metadata: ColumnType<Record<string, string>, string, never>;
  expires_at: Date;
  created_at: ColumnType<Date, never, never>;
  closed_at: Date | null;
  caller: string;
}

/** The ledger database as Kysely sees it. */
export interface LedgerDatabase extends OutboxDatabase {
  accounts: AccountsTable;
  balances: BalancesTable;
  transactions: TransactionsTable;
  postings: PostingsTable;
  entries: EntriesTable;
  holds: HoldsTable;
}
