/** Accounts and money: detail, history, freeze and unfreeze, transactions, refunds, adjustments, ledger integrity. */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { createHash, randomUUID } from "node:crypto";
import {
  AdjustBalanceRequestSchema,
  AdjustBalanceResponseSchema,
  AdjustmentDirection,
  BackofficeService,
  IssueRefundRequestSchema,
  IssueRefundResponseSchema,
} from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { AccountKind, AccountStatus } from "#gen/wallet/ledger/v1/account_pb.js";
import { accessPolicyOf } from "#platform/authz/index.js";
import { adjustmentReasonOf } from "../approvals.service.js";
import { callAuditOf } from "../audit.service.js";
import type { BackofficeDeps } from "../context.js";
import { needsApproval } from "../domain/approvals.js";
import { backofficeRefusal, invalidField, requiredId, requiredText } from "./refusals.js";
import { staffOf } from "./staff-gate.js";
import { accountEntryPb, accountPb, integrityPb, transactionPb } from "./to-proto.js";
import { replayable, requestApproval } from "./staff-writes.js";
import { actingAs } from "./upstream-call.js";
import { requiredReasonCode } from "./users-handlers.js";

type Impl = ServiceImpl<typeof BackofficeService>;

const policyOf = (name: string) => accessPolicyOf(BackofficeService.methods.find((m) => m.name === name)!)!;

/** A positive amount in a three-letter currency; InvalidArgument naming `amount` otherwise. */
function requiredAmount(amount: { amountMinor: bigint; currency: string } | undefined): { amountMinor: bigint; currency: string } {
  if (!amount) throw invalidField("amount", "is required");
  if (amount.amountMinor <= 0n) throw invalidField("amount.amount_minor", "must be positive");
  if (!/^[A-Z]{3}$/.test(amount.currency)) throw invalidField("amount.currency", "must be a three-letter ISO-4217 code");
  return { amountMinor: amount.amountMinor, currency: amount.currency };
}

/** The ledger key of a staff member's key: keys never cross staff members, and a retry reaches the same ledger result. */
const ledgerKeyOf = (staffId: string, key: string) => createHash("sha256").update(`${staffId}\n${key}`).digest("hex");

export function moneyHandlers(deps: BackofficeDeps): Pick<
  Impl,
  | "getAccount"
  | "listAccountTransactions"
  | "freezeAccount"
  | "unfreezeAccount"
  | "getTransaction"
  | "issueRefund"
  | "adjustBalance"
  | "verifyLedgerIntegrity"
> {
  const call = (ctx: HandlerContext) => actingAs(deps, ctx, staffOf(ctx).id);
  const accountOf = (accountId: string, ctx: HandlerContext) => deps.ledger.getAccount({ accountId }, call(ctx));
  return {
    async getAccount(req, ctx) {
      const res = await accountOf(requiredId(req.accountId, "account_id"), ctx);
      return { account: accountPb(res.account!, res.balance) };
    },
    async listAccountTransactions(req, ctx) {
      const accountId = requiredId(req.accountId, "account_id");
      const res = await deps.ledger.listStatementEntries({ accountId, timeRange: req.timeRange, page: req.page }, call(ctx));
      return { entries: res.entries.map(accountEntryPb), page: res.page };
    },
    async freezeAccount(req, ctx) {
      const accountId = requiredId(req.accountId, "account_id");
      const reason = requiredText(req.reason, "reason");
      const current = await accountOf(accountId, ctx);
      // Freezing a frozen account changes nothing.
      if (current.account?.status === AccountStatus.FROZEN) return { account: accountPb(current.account, current.balance) };
      const res = await deps.ledger.freezeAccount({ accountId, reason, idempotencyKey: randomUUID() }, call(ctx));
      return { account: accountPb(res.account!, current.balance) };
    },
    async unfreezeAccount(req, ctx) {
      const accountId = requiredId(req.accountId, "account_id");
      const justification = requiredText(req.reason, "reason");
      const reasonCode = requiredReasonCode(req.reasonCode);
      const current = await accountOf(accountId, ctx);
      if (current.account?.status !== AccountStatus.FROZEN) {
        throw backofficeRefusal("ACCOUNT_NOT_FROZEN", "the account is not frozen", Code.FailedPrecondition, { status: AccountStatus[current.account?.status ?? 0] ?? "" });
      }
      const approvalRequest = await requestApproval(deps, ctx, {
        action: "UnfreezeAccount",
        targetType: "account",
        targetId: accountId,
        request: { ...req, accountId, reason: justification },
        reasonCode,
        justification,
        ticketReference: req.ticketReference.trim(),
      });
      return { approvalRequest };
    },
    async getTransaction(req, ctx) {
      const res = await deps.ledger.getTransaction({ transactionId: requiredId(req.transactionId, "transaction_id") }, call(ctx));
      return { transaction: transactionPb(res.transaction!, res.refundedAmount) };
    },
    async issueRefund(req, ctx) {
      const transactionId = requiredId(req.transactionId, "transaction_id");
      const amount = requiredAmount(req.amount);
      const reason = requiredText(req.reason, "reason");
      const staff = staffOf(ctx);
      const waits = needsApproval(policyOf("IssueRefund"), amount.amountMinor, deps.settings.approvalThresholdMinor);
      if (waits) requiredReasonCode(req.reasonCode);
      const answer = await replayable(deps, ctx, { requestSchema: IssueRefundRequestSchema, request: req, responseSchema: IssueRefundResponseSchema }, async (trx) => {
        // An unknown transaction is NotFound before anything is asked or stored.
        await deps.ledger.getTransaction({ transactionId }, call(ctx));
        if (!waits) {
          const res = await deps.ledger.refund(
            { originalTransactionId: transactionId, amount, reason, metadata: { staff_id: staff.id }, idempotencyKey: ledgerKeyOf(staff.id, req.idempotencyKey) },
            call(ctx),
          );
          return create(IssueRefundResponseSchema, { refund: transactionPb(res.transaction!), remainingRefundable: res.remainingRefundable });
        }
        const approvalRequest = await requestApproval(
          deps,
          ctx,
          {
            action: "IssueRefund",
            targetType: "transaction",
            targetId: transactionId,
            request: { ...req, transactionId, reason },
            reasonCode: req.reasonCode,
            justification: reason,
            ticketReference: req.ticketReference.trim(),
            amount,
          },
          trx,
        );
        return create(IssueRefundResponseSchema, { approvalRequest });
      });
      // A replay's entry names the approval request it answered, like the first call's.
      callAuditOf(ctx).approvalId ||= answer.approvalRequest?.id ?? "";
      return answer;
    },
    async adjustBalance(req, ctx) {
      const accountId = requiredId(req.accountId, "account_id");
      if (req.direction !== AdjustmentDirection.CREDIT && req.direction !== AdjustmentDirection.DEBIT) throw invalidField("direction", "must be CREDIT or DEBIT");
      const amount = requiredAmount(req.amount);
      const reasonCode = requiredReasonCode(req.reasonCode);
      if (adjustmentReasonOf(reasonCode) === undefined) throw invalidField("reason_code", "must be GOODWILL, CHARGEBACK or CORRECTION");
      const reason = requiredText(req.reason, "reason");
      const answer = await replayable(deps, ctx, { requestSchema: AdjustBalanceRequestSchema, request: req, responseSchema: AdjustBalanceResponseSchema }, async (trx) => {
        const { account } = await accountOf(accountId, ctx);
        if (account?.kind !== AccountKind.USER_WALLET) throw invalidField("account_id", "is not a user wallet");
        if (account.currency !== amount.currency) throw invalidField("amount.currency", `must be the wallet's currency ${account.currency}`);
        const approvalRequest = await requestApproval(
          deps,
          ctx,
          {
            action: "AdjustBalance",
            targetType: "account",
            targetId: accountId,
            request: { ...req, accountId, reason },
            reasonCode,
            justification: reason,
            ticketReference: req.ticketReference.trim(),
            amount,
          },
          trx,
        );
        return create(AdjustBalanceResponseSchema, { approvalRequest });
      });
      callAuditOf(ctx).approvalId ||= answer.approvalRequest?.id ?? "";
      return answer;
    },
    async verifyLedgerIntegrity(_req, ctx) {
      const answer = integrityPb(await deps.ledger.verifyIntegrity({}, call(ctx)));
      return answer.checkedAt ? answer : { ...answer, checkedAt: timestampFromDate(deps.clock()) };
    },
  };
}
