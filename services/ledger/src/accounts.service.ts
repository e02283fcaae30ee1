/**
 * Account life cycle: open, freeze, unfreeze, close. Each runs in the
 * caller's database transaction and writes its event to the outbox.
 */
import { create } from "@bufbuild/protobuf";
import type { Transaction } from "kysely";
import { writeOutboxEvents } from "#platform/outbox/index.js";
import {
  AccountClosedSchema,
  AccountFrozenSchema,
  AccountOpenedSchema,
  AccountUnfrozenSchema,
} from "#gen/wallet/events/v1/ledger_events_pb.js";
import { AccountKind as AccountKindPb } from "#gen/wallet/ledger/v1/account_pb.js";
import { nextStatus, type Account, type AccountKind } from "./domain/accounts.js";
import { invalidField } from "./domain/ledger-error.js";
import { event } from "./events.js";
import { insertAccount, updateAccountStatus } from "./storage/accounts.repository.js";
import type { LedgerDatabase } from "./storage/ledger.table.js";
import { lockAccounts } from "./lock-accounts.js";

type Trx = Transaction<LedgerDatabase>;

/** Input of {@link openAccount}. */
export interface OpenAccountInput {
  readonly ownerUserId: string;
  readonly kind: AccountKind;
  readonly currency: string;
  readonly allowNegative: boolean;
  readonly label: string;
}

/**
 * Opens an ACTIVE account with a zero balance. A USER_WALLET needs an owner
 * and may not go negative; system accounts have no owner. Errors:
 * INVALID_FIELD, ACCOUNT_ALREADY_EXISTS.
 */
export async function openAccount(trx: Trx, input: OpenAccountInput): Promise<Account> {
  const wallet = input.kind === "USER_WALLET";
  if (wallet && input.ownerUserId === "") throw invalidField("owner_user_id", "is required for a USER_WALLET");
  if (!wallet && input.ownerUserId !== "") throw invalidField("owner_user_id", "must be empty for a system account");
  if (wallet && input.allowNegative) throw invalidField("allow_negative", "a USER_WALLET never goes negative");
  const account = await insertAccount(trx, {
    ownerUserId: wallet ? input.ownerUserId : null,
    kind: input.kind,
    currency: input.currency,
    allowNegative: input.allowNegative,
    label: wallet ? "" : input.label,
  });
  await writeOutboxEvents(trx, "ledger", [
    event("account", account.id, {
      case: "accountOpened",
      value: create(AccountOpenedSchema, {
        accountId: account.id,
        ownerUserId: account.ownerUserId ?? "",
        kind: AccountKindPb[account.kind],
        currency: account.currency,
      }),
    }),
  ]);
  return account;
}

/**
 * Freezes, unfreezes or closes an account. The balance row is locked first,
 * so the change is ordered with every movement of the account: a movement
 * either committed before it or sees the new status. Errors:
 * ACCOUNT_NOT_FOUND, ACCOUNT_STATUS_CONFLICT, ACCOUNT_CLOSED, ACCOUNT_NOT_EMPTY.
 */
export async function changeAccountStatus(
  trx: Trx,
  accountId: string,
  action: "freeze" | "unfreeze" | "close",
  reason: string,
): Promise<Account> {
  const locked = await lockAccounts(trx, [accountId]);
  const account = locked.accounts.get(accountId)!;
  const status = nextStatus(account, action, locked.balances.get(accountId)!);
  const updated = await updateAccountStatus(trx, accountId, status, reason);
  const common = { accountId, ownerUserId: account.ownerUserId ?? "", reason };
  const payload =
    action === "freeze"
      ? ({ case: "accountFrozen", value: create(AccountFrozenSchema, common) } as const)
      : action === "unfreeze"
        ? ({ case: "accountUnfrozen", value: create(AccountUnfrozenSchema, common) } as const)
        : ({ case: "accountClosed", value: create(AccountClosedSchema, common) } as const);
  await writeOutboxEvents(trx, "ledger", [event("account", accountId, payload)]);
  return updated;
}
