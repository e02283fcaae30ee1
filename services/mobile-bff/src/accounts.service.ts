/**
 * The caller's wallet accounts: listing, opening (one per currency, safe to
 * retry), and the ownership check every account-scoped RPC goes through.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { AccountKind, type Account, type Balance } from "#gen/wallet/ledger/v1/account_pb.js";
import type { UpstreamCall } from "./caller.js";
import type { Upstreams } from "./context.js";
import { accountNotFound, invalidField, isLedgerReason } from "./transport/upstream-errors.js";

/** A wallet account with its current balance. */
export interface Wallet {
  readonly account: Account;
  readonly balance: Balance | undefined;
}

/** Most wallets one user may have (one per currency); the list is read in one page. */
const MAX_WALLETS = 200;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A required id field, lower-cased as the ledger stores it. InvalidArgument when malformed. */
export function parseId(value: string, field: string): string {
  if (!UUID.test(value)) throw invalidField(field, value === "" ? "is required" : "must be a UUID");
  return value.toLowerCase();
}

/** A currency, upper-cased; InvalidArgument when not three letters. */
export function parseCurrency(value: string, field: string): string {
  const currency = value.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) throw invalidField(field, value === "" ? "is required" : "must be a three-letter ISO-4217 code");
  return currency;
}

/** The user's wallets (optionally in one currency), oldest first, with balances. */
export async function listWallets(up: Pick<Upstreams, "ledger">, on: UpstreamCall, userId: string, currency?: string): Promise<Wallet[]> {
  const res = await up.ledger.listAccounts(
    { ownerUserId: userId, kind: AccountKind.USER_WALLET, currency: currency ?? "", page: { pageSize: MAX_WALLETS } },
    on(),
  );
  return res.accounts.filter((a) => a.account?.ownerUserId === userId).map((a) => ({ account: a.account!, balance: a.balance }));
}

/**
 * One of the caller's wallets with its balance. An account that does not
 * exist and one that belongs to someone else (or to the system) answer the
 * same NotFound, so other users' accounts are never revealed.
 */
export async function ownedWallet(up: Pick<Upstreams, "ledger">, on: UpstreamCall, userId: string, accountId: string): Promise<Wallet> {
  const id = parseId(accountId, "account_id");
  let res;
  try {
    res = await up.ledger.getAccount({ accountId: id }, on());
  } catch (err) {
    if (err instanceof ConnectError && err.code === Code.NotFound) throw accountNotFound(id);
    throw err;
  }
  const account = res.account;
  if (!account || account.ownerUserId !== userId || account.kind !== AccountKind.USER_WALLET) throw accountNotFound(id);
  return { account, balance: res.balance };
}

/**
 * Opens the user's wallet in `currency`, or answers the one they have
 * (`created = false`). The ledger write's idempotency key is derived from
 * the user and currency, so concurrent or retried opens converge on one
 * account; ACCOUNT_ALREADY_EXISTS from a race answers the existing wallet.
 */
export async function openWallet(up: Pick<Upstreams, "ledger">, on: UpstreamCall, userId: string, currency: string): Promise<Wallet & { created: boolean }> {
  const existing = await listWallets(up, on, userId, currency);
  if (existing[0]) return { ...existing[0], created: false };
  try {
    const res = await up.ledger.openAccount(
      { ownerUserId: userId, kind: AccountKind.USER_WALLET, currency, idempotencyKey: `bff-open-wallet:${userId}:${currency}` },
      on(),
    );
    const balance = await up.ledger.getBalance({ accountId: res.account!.id }, on());
    return { account: res.account!, balance: balance.balance, created: true };
  } catch (err) {
    if (!isLedgerReason(err, "ACCOUNT_ALREADY_EXISTS")) throw err;
    const raced = await listWallets(up, on, userId, currency);
    if (!raced[0]) throw err;
    return { ...raced[0], created: false };
  }
}
