/**
 * Money movements the caller starts or reads: transfers to other users,
 * refunds of transfers they received, and single transactions they are
 * party to. The source of a transfer is always the caller's own wallet in
 * the amount's currency: no request names a source account, so no one can
 * move money out of someone else's account.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import type { Transaction } from "#gen/wallet/bff/v1/transaction_pb.js";
import { Channel } from "#gen/wallet/common/v1/channel_pb.js";
import type { Money } from "#gen/wallet/common/v1/money_pb.js";
import { AccountKind, type Balance } from "#gen/wallet/ledger/v1/account_pb.js";
import { RiskContextSchema } from "#gen/wallet/ledger/v1/risk_context_pb.js";
import { TransactionKind, type Transaction as LedgerTransaction } from "#gen/wallet/ledger/v1/transaction_pb.js";
import { listWallets, parseCurrency, parseId } from "./accounts.service.js";
import type { Caller, TokenFacts, UpstreamCall } from "./caller.js";
import type { Upstreams } from "./context.js";
import { transactionFor } from "./transport/to-proto.js";
import { accountNotFound, invalidField, ledgerRefusal, transactionNotFound } from "./transport/upstream-errors.js";

/** Longest description or refund reason (the ledger's limit too). */
const TEXT_MAX = 140;
/** The ledger requires a refund reason; this one stands in when the caller gives none. */
const DEFAULT_REFUND_REASON = "refund by the recipient";

/** Who receives a transfer, as the request addresses them. */
export type Recipient =
  | { case: "recipientEmail"; value: string }
  | { case: "recipientPhone"; value: string }
  | { case: "recipientAccountId"; value: string }
  | { case: undefined; value?: undefined };

/** Input of {@link transfer}. */
export interface TransferInput {
  readonly recipient: Recipient;
  readonly amount: Money | undefined;
  readonly description: string;
  readonly idempotencyKey: string;
}

/** A positive amount with a valid currency. */
function parseAmount(amount: Money | undefined, field: string): { amountMinor: bigint; currency: string } {
  if (!amount) throw invalidField(field, "is required");
  const currency = parseCurrency(amount.currency, `${field}.currency`);
  if (amount.amountMinor <= 0n) throw ledgerRefusal("NON_POSITIVE_AMOUNT", `${field}: must be positive`, Code.InvalidArgument, { field });
  return { amountMinor: amount.amountMinor, currency };
}

/** The idempotency key, required on every money-moving request. */
function requireKey(key: string): string {
  if (key === "") throw ledgerRefusal("IDEMPOTENCY_KEY_MISSING", "idempotency_key: is required", Code.InvalidArgument, { field: "idempotency_key" });
  return key;
}

/** Free text within the ledger's limit. */
function boundedText(value: string, field: string): string {
  if ([...value].length > TEXT_MAX) throw invalidField(field, `is longer than ${TEXT_MAX} characters`);
  return value;
}

/**
 * The recipient's wallet in `currency`: found through identity (LookupUser:
 * an active customer with that verified email or phone) and the ledger (their
 * USER_WALLET in the currency), or named by id (it must be a user wallet).
 * Errors: NotFound (USER_NOT_FOUND, ACCOUNT_NOT_FOUND), InvalidArgument.
 */
async function resolveRecipient(up: Upstreams, on: UpstreamCall, recipient: Recipient, currency: string): Promise<{ accountId: string; displayName: string }> {
  switch (recipient.case) {
    case "recipientEmail":
    case "recipientPhone": {
      if (recipient.value.trim() === "") throw invalidField(recipient.case === "recipientEmail" ? "recipient_email" : "recipient_phone", "is required");
      const key = recipient.case === "recipientEmail" ? { case: "email" as const, value: recipient.value } : { case: "phone" as const, value: recipient.value };
      const user = await up.identity.lookupUser({ key }, on());
      const [wallet] = await listWallets(up, on, user.userId, currency);
      if (!wallet) throw ledgerRefusal("ACCOUNT_NOT_FOUND", `the recipient has no ${currency} wallet`, Code.NotFound, { currency });
      return { accountId: wallet.account.id, displayName: user.displayName };
    }
    case "recipientAccountId": {
      const id = parseId(recipient.value, "recipient_account_id");
      const res = await up.ledger.getAccount({ accountId: id }, on());
      if (res.account?.kind !== AccountKind.USER_WALLET) throw accountNotFound(id);
      return { accountId: id, displayName: "" };
    }
    default:
      throw invalidField("recipient", "a recipient_email, recipient_phone or recipient_account_id is required");
  }
}

/**
 * Sends money from the caller's wallet in the amount's currency to another
 * user's wallet in that currency. The ledger's idempotency key is the
 * request's (the ledger scopes it to the BFF and the signed user), and the
 * risk context carries the user, session, device, IP and second-factor time
 * of the verified token. The ledger's refusals pass through unchanged.
 */
export async function transfer(
  up: Upstreams,
  on: UpstreamCall,
  caller: Caller,
  facts: TokenFacts,
  input: TransferInput,
): Promise<{ transaction: Transaction; balance: Balance | undefined }> {
  const idempotencyKey = requireKey(input.idempotencyKey);
  const amount = parseAmount(input.amount, "amount");
  const description = boundedText(input.description, "description");
  const [source] = await listWallets(up, on, caller.userId, amount.currency);
  if (!source) {
    throw ledgerRefusal("CURRENCY_MISMATCH", `you have no ${amount.currency} account`, Code.FailedPrecondition, { amount_currency: amount.currency });
  }
  const recipient = await resolveRecipient(up, on, input.recipient, amount.currency);
  const res = await up.ledger.transfer(
    {
      fromAccountId: source.account.id,
      toAccountId: recipient.accountId,
      amount,
      description,
      idempotencyKey,
      riskContext: create(RiskContextSchema, {
        userId: caller.userId,
        deviceId: facts.deviceId,
        ipAddress: caller.clientIp,
        channel: Channel.MOBILE_APP,
        sessionId: facts.sessionId,
        secondFactorAt: facts.secondFactorAt ? timestampFromDate(facts.secondFactorAt) : undefined,
      }),
    },
    on(),
  );
  const transaction = transactionFor(res.transaction!, new Set([source.account.id]), { counterpartyName: recipient.displayName });
  return { transaction: transaction!, balance: res.fromBalance };
}

/** The caller's wallet ids. */
async function ownAccountIds(up: Upstreams, on: UpstreamCall, userId: string): Promise<Set<string>> {
  return new Set((await listWallets(up, on, userId)).map((w) => w.account.id));
}

/** A transaction touching one of the caller's wallets, else NotFound (as for an unknown id). */
async function partyTransaction(
  up: Upstreams,
  on: UpstreamCall,
  userId: string,
  transactionId: string,
): Promise<{ tx: LedgerTransaction; refundedAmount: Money | undefined; own: Set<string> }> {
  const id = parseId(transactionId, "transaction_id");
  const [res, own] = await Promise.all([up.ledger.getTransaction({ transactionId: id }, on()), ownAccountIds(up, on, userId)]);
  const tx = res.transaction!;
  if (!tx.postings.some((p) => own.has(p.sourceAccountId) || own.has(p.destinationAccountId))) throw transactionNotFound(id);
  return { tx, refundedAmount: res.refundedAmount, own };
}

/** One transaction the caller is party to, seen from them. Errors: NotFound, InvalidArgument. */
export async function getTransaction(up: Upstreams, on: UpstreamCall, userId: string, transactionId: string): Promise<Transaction> {
  const { tx, refundedAmount, own } = await partyTransaction(up, on, userId, transactionId);
  return transactionFor(tx, own, { refundedAmount })!;
}

/** Input of {@link requestRefund}. */
export interface RefundInput {
  readonly transactionId: string;
  readonly amount: Money | undefined;
  readonly reason: string;
  readonly idempotencyKey: string;
}

/**
 * Gives (part of) a transfer the caller received back to its sender: the
 * ledger moves it from the caller's wallet to the original source. Only the
 * recipient may refund: a transaction the caller is not party to is NotFound;
 * one they sent is refused with PermissionDenied (NOT_ACCOUNT_OWNER: the
 * refund would debit the recipient's wallet); a kind that cannot be refunded
 * with FailedPrecondition (NOT_REFUNDABLE). The ledger's refusals
 * (REFUND_EXCEEDS_ORIGINAL, INSUFFICIENT_FUNDS...) pass through.
 */
export async function requestRefund(
  up: Upstreams,
  on: UpstreamCall,
  userId: string,
  input: RefundInput,
): Promise<{ refund: Transaction; remainingRefundable: Money | undefined }> {
  const idempotencyKey = requireKey(input.idempotencyKey);
  const amount = parseAmount(input.amount, "amount");
  const reason = boundedText(input.reason, "reason").trim() || DEFAULT_REFUND_REASON;
  const { tx, own } = await partyTransaction(up, on, userId, input.transactionId);
  if (tx.kind !== TransactionKind.TRANSFER && tx.kind !== TransactionKind.HOLD_CAPTURE) {
    throw ledgerRefusal("NOT_REFUNDABLE", "only transfers can be refunded", Code.FailedPrecondition, { transaction_id: tx.id, kind: TransactionKind[tx.kind] });
  }
  const received = tx.postings.find((p) => own.has(p.destinationAccountId));
  if (!received) {
    const paidBy = tx.postings[0]?.destinationAccountId ?? "";
    throw ledgerRefusal("NOT_ACCOUNT_OWNER", "only the recipient of a transfer can refund it", Code.PermissionDenied, { account_id: paidBy });
  }
  const res = await up.ledger.refund({ originalTransactionId: tx.id, amount, reason, idempotencyKey }, on());
  return {
    refund: transactionFor(res.transaction!, new Set([received.destinationAccountId]))!,
    remainingRefundable: res.remainingRefundable,
  };
}

