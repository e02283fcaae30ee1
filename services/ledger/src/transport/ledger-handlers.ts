import { create, enumToJson } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AccountWithBalanceSchema,
  AdjustBalanceRequestSchema,
  AdjustBalanceResponseSchema,
  AuthorizeHoldRequestSchema,
  AuthorizeHoldResponseSchema,
  BalanceDiscrepancySchema,
  CaptureHoldRequestSchema,
  CaptureHoldResponseSchema,
  CloseAccountRequestSchema,
  CloseAccountResponseSchema,
  ExpireHoldsResponseSchema,
  FreezeAccountRequestSchema,
  FreezeAccountResponseSchema,
  GetAccountResponseSchema,
  GetBalanceAtResponseSchema,
  GetBalanceResponseSchema,
  GetTransactionResponseSchema,
  LedgerService,
  ListAccountsResponseSchema,
  ListStatementEntriesResponseSchema,
  OpenAccountRequestSchema,
  OpenAccountResponseSchema,
  RefundRequestSchema,
  RefundResponseSchema,
  TopUpRequestSchema,
  TopUpResponseSchema,
  TransferRequestSchema,
  TransferResponseSchema,
  UnfreezeAccountRequestSchema,
  UnfreezeAccountResponseSchema,
  VerifyIntegrityResponseSchema,
  VoidHoldRequestSchema,
  VoidHoldResponseSchema,
  WithdrawRequestSchema,
  WithdrawResponseSchema,
} from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import { PageResponseSchema } from "#gen/wallet/common/v1/pagination_pb.js";
import {
  AdjustmentReason,
  AdjustmentReasonSchema,
  EntryDirection,
  EntryDirectionSchema,
} from "#gen/wallet/ledger/v1/transaction_pb.js";
import { changeAccountStatus, openAccount } from "../accounts.service.js";
import type { LedgerDeps } from "../context.js";
import { invalidField } from "../domain/ledger-error.js";
import { assertCurrency } from "../domain/money.js";
import { assertMetadata, assertText, DESCRIPTION_MAX, REASON_MAX } from "../domain/text-fields.js";
import { money } from "../events.js";
import { authorizeHold, captureHold, expireHold, voidHold } from "../holds.service.js";
import { adjustmentMetadata } from "../domain/adjustments.js";
import type { AdjustmentMovement, RefundMovement, TopUpMovement, WithdrawalMovement } from "../domain/movement.js";
import type { PostedMovement } from "../storage/movements.repository.js";
import { createTransfers, parseTransfer, transferResponse } from "./create-transfers.js";
import { createMovementWriter } from "./movement-write.js";
import { getAccount, listAccounts } from "../storage/accounts.repository.js";
import { findDueHoldIds } from "../storage/holds.repository.js";
import { recomputeBalances } from "../storage/integrity.repository.js";
import { findBalances, getBalance, getTransaction, listEntries, refundedTotal, balanceAt } from "../storage/journal.repository.js";
import { mapErrors } from "#platform/errors/index.js";
import { fetchLimit, takePage } from "#platform/pagination/index.js";
import type { RiskContext } from "#gen/wallet/ledger/v1/risk_context_pb.js";
import { screenMovement, type MovementToScreen } from "../risk/screen-movement.js";
import { toConnectError } from "./connect-errors.js";
import { createIdempotentWriter, withRetry } from "./idempotent-write.js";
import {
  accountCursor,
  accountToken,
  parseAdjustmentReason,
  parseDirection,
  parseDuration,
  parseId,
  parseKind,
  parseKindFilter,
  parseMoney,
  parseOptionalId,
  parseOptionalMoney,
  parsePage,
  parseStatusFilter,
  parseTime,
} from "./parse.js";
import { accountPb, balancePb, holdPb, statementEntryPb, transactionPb } from "./to-proto.js";

/** Default and largest number of holds one ExpireHolds call expires. */
const DEFAULT_EXPIRE_LIMIT = 500;
const MAX_EXPIRE_LIMIT = 5_000;

/** A posted movement's transaction and the balance of `accountId` right after it (TopUp, AdjustBalance). */
function movementPb(posted: PostedMovement, accountId: string) {
  return { transaction: transactionPb(posted.transaction), balance: balancePb(posted.balances.get(accountId)!) };
}

/**
 * The LedgerService implementation: validates requests (INVALID_ARGUMENT
 * naming the field), runs writes through the idempotent writer, converts
 * results to messages. Refusals become gRPC errors in `mapErrors`.
 *
 * A transfer or withdrawal whose `risk_context` names a user is
 * user-initiated: risk scores it before it is posted (see screenMovement);
 * movements without one are the mesh's own (top-ups, refunds, payouts by
 * operators, staff adjustments after approval) and are not scored.
 */
export function createLedgerHandlers(deps: LedgerDeps): ServiceImpl<typeof LedgerService> {
  const { db } = deps;
  const write = createIdempotentWriter(deps);
  const movements = createMovementWriter(deps);

  /** The risk screening of a movement, or undefined when it is not scored. */
  const screenerFor = (riskContext: RiskContext | undefined, movement: Omit<MovementToScreen, "riskContext" | "scope" | "idempotencyKey">) => {
    const risk = deps.risk;
    if (!risk || !riskContext?.userId) return undefined;
    return (scope: string, idempotencyKey: string) => screenMovement(risk, { ...movement, riskContext, scope, idempotencyKey }, deps.clock());
  };

  const impl: ServiceImpl<typeof LedgerService> = {
    async openAccount(req, ctx) {
      const input = {
        ownerUserId: req.ownerUserId,
        kind: parseKind(req.kind, "kind"),
        currency: assertCurrency(req.currency, "currency"),
        allowNegative: req.allowNegative,
        label: assertText(req.label, "label", DESCRIPTION_MAX),
      };
      return write(ctx, OpenAccountRequestSchema, req, OpenAccountResponseSchema, async (trx) =>
        create(OpenAccountResponseSchema, { account: accountPb(await openAccount(trx, input)) }),
      );
    },

    async getAccount(req) {
      const id = parseId(req.accountId, "account_id");
      const [account, balance] = await Promise.all([getAccount(db, id), getBalance(db, id)]);
      return create(GetAccountResponseSchema, { account: accountPb(account), balance: balancePb(balance) });
    },

    async listAccounts(req) {
      const { limit, after } = parsePage(req.page, accountCursor);
      const accounts = await listAccounts(
        db,
        {
          ownerUserId: req.ownerUserId || undefined,
          currency: req.currency ? assertCurrency(req.currency, "currency") : undefined,
          kind: parseKindFilter(req.kind),
          status: parseStatusFilter(req.status),
        },
        after,
        fetchLimit(limit),
      );
      const page = takePage(accounts, limit, accountToken);
      const balances = await findBalances(db, page.items.map((a) => a.id));
      return create(ListAccountsResponseSchema, {
        accounts: page.items.map((account) =>
          create(AccountWithBalanceSchema, { account: accountPb(account), balance: balancePb(balances.get(account.id)!) }),
        ),
        page: create(PageResponseSchema, { nextPageToken: page.nextPageToken }),
      });
    },

    async freezeAccount(req, ctx) {
      const id = parseId(req.accountId, "account_id");
      const reason = assertText(req.reason, "reason", REASON_MAX, true);
      return write(ctx, FreezeAccountRequestSchema, req, FreezeAccountResponseSchema, async (trx) =>
        create(FreezeAccountResponseSchema, { account: accountPb(await changeAccountStatus(trx, id, "freeze", reason)) }),
      );
    },

    async unfreezeAccount(req, ctx) {
      const id = parseId(req.accountId, "account_id");
      const reason = assertText(req.reason, "reason", REASON_MAX, true);
      return write(ctx, UnfreezeAccountRequestSchema, req, UnfreezeAccountResponseSchema, async (trx) =>
        create(UnfreezeAccountResponseSchema, { account: accountPb(await changeAccountStatus(trx, id, "unfreeze", reason)) }),
      );
    },

    async closeAccount(req, ctx) {
      const id = parseId(req.accountId, "account_id");
      const reason = assertText(req.reason, "reason", REASON_MAX, true);
      return write(ctx, CloseAccountRequestSchema, req, CloseAccountResponseSchema, async (trx) =>
        create(CloseAccountResponseSchema, { account: accountPb(await changeAccountStatus(trx, id, "close", reason)) }),
      );
    },

    async topUp(req, ctx) {
      const movement: TopUpMovement = {
        kind: "TOP_UP",
        accountId: parseId(req.accountId, "account_id"),
        amount: parseMoney(req.amount, "amount"),
        fundingAccountId: parseOptionalId(req.fundingAccountId, "funding_account_id"),
        externalReference: assertText(req.externalReference, "external_reference", REASON_MAX),
        description: assertText(req.description, "description", DESCRIPTION_MAX),
        metadata: assertMetadata(req.metadata),
      };
      return movements.write(ctx, {
        requestSchema: TopUpRequestSchema,
        request: req,
        responseSchema: TopUpResponseSchema,
        movement,
        respond: (posted) => create(TopUpResponseSchema, movementPb(posted, movement.accountId)),
      });
    },

    async withdraw(req, ctx) {
      const movement: WithdrawalMovement = {
        kind: "WITHDRAWAL",
        accountId: parseId(req.accountId, "account_id"),
        amount: parseMoney(req.amount, "amount"),
        settlementAccountId: parseOptionalId(req.settlementAccountId, "settlement_account_id"),
        externalReference: assertText(req.externalReference, "external_reference", REASON_MAX),
        description: assertText(req.description, "description", DESCRIPTION_MAX),
        metadata: assertMetadata(req.metadata),
      };
      return movements.write(ctx, {
        requestSchema: WithdrawRequestSchema,
        request: req,
        responseSchema: WithdrawResponseSchema,
        movement,
        screen: screenerFor(req.riskContext, { kind: "WITHDRAWAL", sourceAccountId: movement.accountId, amount: movement.amount }),
        respond: (posted) =>
          create(WithdrawResponseSchema, {
            transaction: transactionPb(posted.transaction),
            balance: balancePb(posted.balances.get(movement.accountId)!),
            underReview: posted.underReview,
          }),
      });
    },

    async transfer(req, ctx) {
      const movement = parseTransfer(req, "");
      return movements.write(ctx, {
        requestSchema: TransferRequestSchema,
        request: req,
        responseSchema: TransferResponseSchema,
        movement,
        screen: screenerFor(req.riskContext, {
          kind: "TRANSFER",
          sourceAccountId: movement.fromAccountId,
          counterpartyAccountId: movement.toAccountId,
          amount: movement.amount,
        }),
        respond: (posted) => transferResponse(movement, posted),
      });
    },

    async createTransfers(req, ctx) {
      return createTransfers(movements.poster, req, ctx);
    },

    async refund(req, ctx) {
      const movement: RefundMovement = {
        kind: "REFUND",
        originalTransactionId: parseId(req.originalTransactionId, "original_transaction_id"),
        amount: parseOptionalMoney(req.amount, "amount"),
        reason: assertText(req.reason, "reason", REASON_MAX, true),
        fundingAccountId: parseOptionalId(req.fundingAccountId, "funding_account_id"),
        metadata: assertMetadata(req.metadata),
      };
      return movements.write(ctx, {
        requestSchema: RefundRequestSchema,
        request: req,
        responseSchema: RefundResponseSchema,
        movement,
        respond: (posted) => {
          const currency = posted.transaction.postings[0]!.currency;
          return create(RefundResponseSchema, {
            transaction: transactionPb(posted.transaction),
            remainingRefundable: money(posted.remainingRefundable ?? 0n, currency),
          });
        },
      });
    },

    async adjustBalance(req, ctx) {
      const movement: AdjustmentMovement = {
        kind: "ADJUSTMENT",
        accountId: parseId(req.accountId, "account_id"),
        direction: parseDirection(req.direction, "direction"),
        amount: parseMoney(req.amount, "amount"),
        reasonCode: parseAdjustmentReason(req.reasonCode, "reason_code"),
        reason: assertText(req.reason, "reason", REASON_MAX, true),
        metadata: assertMetadata(req.metadata),
      };
      return movements.write(ctx, {
        requestSchema: AdjustBalanceRequestSchema,
        request: req,
        responseSchema: AdjustBalanceResponseSchema,
        movement,
        metadata: adjustmentMetadata(movement.metadata, movement.reasonCode),
        event: {
          direction: enumToJson(EntryDirectionSchema, EntryDirection[movement.direction]),
          reasonCode: enumToJson(AdjustmentReasonSchema, AdjustmentReason[movement.reasonCode]),
          metadata: movement.metadata,
        },
        respond: (posted) => create(AdjustBalanceResponseSchema, movementPb(posted, movement.accountId)),
      });
    },

    async authorizeHold(req, ctx) {
      const input = {
        accountId: parseId(req.accountId, "account_id"),
        destinationAccountId: parseId(req.destinationAccountId, "destination_account_id"),
        amount: parseMoney(req.amount, "amount"),
        ttlMs: parseDuration(req.ttl),
        description: assertText(req.description, "description", DESCRIPTION_MAX),
        metadata: assertMetadata(req.metadata),
      };
      return write(ctx, AuthorizeHoldRequestSchema, req, AuthorizeHoldResponseSchema, async (trx, actor) => {
        const { hold, balance } = await authorizeHold(trx, actor, deps.clock(), input);
        return create(AuthorizeHoldResponseSchema, { hold: holdPb(hold), balance: balancePb(balance) });
      });
    },

    async captureHold(req, ctx) {
      const input = {
        holdId: parseId(req.holdId, "hold_id"),
        amount: parseOptionalMoney(req.amount, "amount"),
        finalCapture: req.finalCapture,
        description: assertText(req.description, "description", DESCRIPTION_MAX),
      };
      return write(ctx, CaptureHoldRequestSchema, req, CaptureHoldResponseSchema, async (trx, actor) => {
        const { hold, transaction } = await captureHold(trx, actor, input);
        return create(CaptureHoldResponseSchema, { hold: holdPb(hold), transaction: transactionPb(transaction) });
      });
    },

    async voidHold(req, ctx) {
      const holdId = parseId(req.holdId, "hold_id");
      const reason = assertText(req.reason, "reason", REASON_MAX);
      return write(ctx, VoidHoldRequestSchema, req, VoidHoldResponseSchema, async (trx) =>
        create(VoidHoldResponseSchema, { hold: holdPb(await voidHold(trx, holdId, reason)) }),
      );
    },

    async expireHolds(req) {
      const asOf = parseTime(req.asOf) ?? deps.clock();
      if (req.limit < 0) throw invalidField("limit", "must not be negative");
      const limit = Math.min(req.limit || DEFAULT_EXPIRE_LIMIT, MAX_EXPIRE_LIMIT);
      const result = await expireDueHolds(deps, asOf, limit);
      return create(ExpireHoldsResponseSchema, { expiredHoldIds: result.expired, hasMore: result.hasMore });
    },

    async getBalance(req) {
      const balance = await getBalance(db, parseId(req.accountId, "account_id"));
      return create(GetBalanceResponseSchema, { balance: balancePb(balance) });
    },

    async getBalanceAt(req) {
      const accountId = parseId(req.accountId, "account_id");
      const at = parseTime(req.at);
      if (!at) throw invalidField("at", "is required");
      if (at.getTime() > deps.clock().getTime()) throw invalidField("at", "must not be in the future");
      const account = await getAccount(db, accountId);
      const past = await balanceAt(db, accountId, at);
      return create(GetBalanceAtResponseSchema, {
        accountId,
        at: timestampFromDate(at),
        posted: money(past.posted, account.currency),
        lastTransactionId: past.lastTransactionId ?? "",
      });
    },

    async getTransaction(req) {
      const tx = await getTransaction(db, parseId(req.transactionId, "transaction_id"));
      const refundable = tx.kind === "TRANSFER" || tx.kind === "HOLD_CAPTURE";
      const currency = tx.postings[0]?.currency ?? "";
      return create(GetTransactionResponseSchema, {
        transaction: transactionPb(tx),
        refundedAmount: refundable ? money(await refundedTotal(db, tx.id), currency) : undefined,
      });
    },

    async listStatementEntries(req) {
      const accountId = parseId(req.accountId, "account_id");
      const from = parseTime(req.timeRange?.startTime);
      const until = parseTime(req.timeRange?.endTime);
      if (from && until && from >= until) throw invalidField("time_range", "start_time must be before end_time");
      const { limit, after: token } = parsePage(req.page, (fields) => fields);
      // A token is bound to its account, range and order.
      const binding = `${accountId}|${from?.getTime() ?? ""}|${until?.getTime() ?? ""}|${req.oldestFirst}`;
      let afterSequence: bigint | undefined;
      if (token) {
        if (token.b !== binding || typeof token.s !== "string" || !/^\d+$/.test(token.s)) {
          throw invalidField("page.page_token", "belongs to another account, time range or order");
        }
        afterSequence = BigInt(token.s);
      }
      const account = await getAccount(db, accountId);
      const rows = await listEntries(db, { accountId, from, until, oldestFirst: req.oldestFirst, afterSequence, limit: fetchLimit(limit) });
      const page = takePage(rows, limit, (last) => ({ b: binding, s: last.sequence.toString() }));
      return create(ListStatementEntriesResponseSchema, {
        entries: page.items.map((row) => statementEntryPb(row, account.currency)),
        page: create(PageResponseSchema, { nextPageToken: page.nextPageToken }),
      });
    },

    async verifyIntegrity(req) {
      const ids = req.accountIds.map((id, i) => parseId(id, `account_ids[${i}]`));
      const report = await recomputeBalances(db, ids);
      return create(VerifyIntegrityResponseSchema, {
        accountsChecked: report.accountsChecked,
        postingsChecked: report.postingsChecked,
        discrepancies: report.differences.map((d) =>
          create(BalanceDiscrepancySchema, {
            accountId: d.accountId,
            storedPosted: money(d.storedPosted, d.currency),
            recomputedPosted: money(d.recomputedPosted, d.currency),
            storedHeld: money(d.storedHeld, d.currency),
            recomputedHeld: money(d.recomputedHeld, d.currency),
          }),
        ),
        unbalancedCurrencies: report.unbalancedCurrencies.map((u) => money(u.amountMinor, u.currency)),
        checkedAt: timestampFromDate(report.checkedAt),
      });
    },
  };
  return mapErrors(impl, toConnectError);
}

/**
 * Expires up to `limit` open holds due before `asOf`, each in its own short
 * transaction (holds locked by someone else are skipped). Used by the
 * ExpireHolds RPC and the maintenance loop.
 */
export async function expireDueHolds(
  deps: Pick<LedgerDeps, "db">,
  asOf: Date,
  limit: number,
): Promise<{ expired: string[]; hasMore: boolean }> {
  const due = await findDueHoldIds(deps.db, asOf, limit + 1);
  const expired: string[] = [];
  for (const id of due.slice(0, limit)) {
    const done = await withRetry(() => deps.db.transaction().execute((trx) => expireHold(trx, id, asOf)));
    if (done) expired.push(id);
  }
  return { expired, hasMore: due.length > limit };
}
