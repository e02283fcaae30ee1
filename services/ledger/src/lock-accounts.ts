import type { Transaction } from "kysely";
import type { Account, Balance } from "./domain/accounts.js";
import { accountNotFound, findAccounts } from "./storage/accounts.repository.js";
import { lockBalances } from "./storage/journal.repository.js";
import type { LedgerDatabase } from "./storage/ledger.table.js";

/** Accounts and their locked balances. */
export interface Locked {
  readonly accounts: Map<string, Account>;
  readonly balances: Map<string, Balance>;
}

/**
 * Locks the balances (sorted) and then reads the accounts, so their status
 * is current. For the writes that run in TypeScript (holds, account status);
 * movements lock in the same order inside ledger_post_movements.
 */
export async function lockAccounts(trx: Transaction<LedgerDatabase>, ids: readonly string[]): Promise<Locked> {
  const balances = await lockBalances(trx, ids);
  const accounts = await findAccounts(trx, ids);
  for (const id of ids) if (!accounts.has(id)) throw accountNotFound(id);
  return { accounts, balances };
}
