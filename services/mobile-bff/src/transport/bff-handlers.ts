import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { PageResponseSchema } from "#gen/wallet/common/v1/pagination_pb.js";
import { MobileBffService } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import { LedgerService } from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import { NotificationService } from "#gen/wallet/notification/v1/notification_service_pb.js";
import { listWallets, openWallet, ownedWallet, parseCurrency } from "../accounts.service.js";
import type { Caller, TokenFacts, UpstreamCall } from "../caller.js";
import type { MobileBffDeps, Upstreams } from "../context.js";
import { getTransaction, requestRefund, transfer } from "../movements.service.js";
import { bootstrap, onboard } from "../onboarding.service.js";
import { callerOf, clientFacts, IDEMPOTENT_REPLAYED_HEADER, tokenFacts, upstreamOptions } from "./request-context.js";
import { accountOf, balanceOf, profileOf, statementEntryOf } from "./to-proto.js";
import { translateErrors } from "./upstream-errors.js";

/**
 * The MobileBffService implementation: reads the caller from the signed
 * internal headers, calls the use cases with upstream clients whose errors
 * are translated in one place (`upstream-errors.ts`), and converts results.
 */
export function createMobileBffHandlers(deps: MobileBffDeps): ServiceImpl<typeof MobileBffService> {
  const up: Upstreams = {
    identity: translateErrors<typeof IdentityService>(deps.identity, "identity"),
    ledger: translateErrors<typeof LedgerService>(deps.ledger, "ledger"),
    notification: translateErrors<typeof NotificationService>(deps.notification, "notification"),
  };
  /**
   * The caller, the facts of their access token (verified, its session not
   * revoked: see `tokenFacts`) and the options of upstream calls made for them.
   */
  const forCaller = async (ctx: HandlerContext): Promise<{ caller: Caller; facts: TokenFacts; on: UpstreamCall }> => {
    const caller = callerOf(ctx);
    const facts = await tokenFacts(deps, caller, ctx.method);
    return { caller, facts, on: (extra) => upstreamOptions(deps, ctx, caller, extra) };
  };
  /** Passes the ledger's replay marker on to the edge. */
  const copyReplayed = (ctx: HandlerContext) => (headers: Headers) => {
    if (headers.get(IDEMPOTENT_REPLAYED_HEADER) === "true") ctx.responseHeader.set(IDEMPOTENT_REPLAYED_HEADER, "true");
  };

  return {
    async bootstrap(_req, ctx) {
      const { caller, on } = await forCaller(ctx);
      const result = await bootstrap(deps, up, on, caller.userId);
      const now = deps.clock();
      return {
        profile: profileOf(result.user),
        accounts: result.wallets.map((w) => accountOf(w.account, w.balance, now)),
        mfa: result.mfa,
        featureFlags: { ...deps.config.featureFlags },
        serverTime: timestampFromDate(now),
      };
    },

    async onboard(req, ctx) {
      if (!req.device) throw new ConnectError("device: is required", Code.InvalidArgument);
      const facts = clientFacts(ctx);
      // Public: no subject on sign-up; the new user's wallet is opened on their behalf.
      const on: UpstreamCall = (extra) => upstreamOptions(deps, ctx, { clientIp: facts.clientIp, userAgent: facts.userAgent }, extra);
      const asUser = (userId: string): UpstreamCall => (extra) => upstreamOptions(deps, ctx, { userId }, extra);
      const result = await onboard(deps, up, on, asUser, {
        email: req.email,
        phone: req.phone,
        password: req.password,
        device: req.device,
        displayName: req.displayName,
        locale: req.locale,
        currency: req.currency,
      });
      return { userId: result.userId, account: result.wallet ? accountOf(result.wallet.account, result.wallet.balance, deps.clock()) : undefined };
    },

    async listAccounts(_req, ctx) {
      const { caller, on } = await forCaller(ctx);
      const now = deps.clock();
      return { accounts: (await listWallets(up, on, caller.userId)).map((w) => accountOf(w.account, w.balance, now)) };
    },

    async openAccount(req, ctx) {
      const { caller, on } = await forCaller(ctx);
      const wallet = await openWallet(up, on, caller.userId, parseCurrency(req.currency, "currency"));
      return { account: accountOf(wallet.account, wallet.balance, deps.clock()), created: wallet.created };
    },

    async getBalance(req, ctx) {
      const { caller, on } = await forCaller(ctx);
      const wallet = await ownedWallet(up, on, caller.userId, req.accountId);
      return { balance: balanceOf(wallet.balance, deps.clock()) };
    },

    async getStatement(req, ctx) {
      const { caller, on } = await forCaller(ctx);
      const wallet = await ownedWallet(up, on, caller.userId, req.accountId);
      const res = await up.ledger.listStatementEntries({ accountId: wallet.account.id, timeRange: req.timeRange, page: req.page }, on());
      return {
        entries: res.entries.map((e) => statementEntryOf(wallet.account.id, e)),
        page: res.page ?? create(PageResponseSchema),
      };
    },

    async transfer(req, ctx) {
      const { caller, facts, on } = await forCaller(ctx);
      const onWrite: UpstreamCall = (extra) => on({ onHeader: copyReplayed(ctx), ...extra });
      const result = await transfer(up, onWrite, caller, facts, {
        recipient: req.recipient,
        amount: req.amount,
        description: req.description,
        idempotencyKey: req.idempotencyKey,
      });
      // The debited balance right after the posting, as of that posting: a replay of the
      // idempotency key answers the original response, not one stamped with the replay's time.
      const asOf = result.balance?.updatedAt ? timestampDate(result.balance.updatedAt) : deps.clock();
      return { transaction: result.transaction, balance: balanceOf(result.balance, asOf) };
    },

    async requestRefund(req, ctx) {
      const { caller, on } = await forCaller(ctx);
      const onWrite: UpstreamCall = (extra) => on({ onHeader: copyReplayed(ctx), ...extra });
      const result = await requestRefund(up, onWrite, caller.userId, {
        transactionId: req.transactionId,
        amount: req.amount,
        reason: req.reason,
        idempotencyKey: req.idempotencyKey,
      });
      return { refund: result.refund, remainingRefundable: result.remainingRefundable };
    },

    async getTransaction(req, ctx) {
      const { caller, on } = await forCaller(ctx);
      return { transaction: await getTransaction(up, on, caller.userId, req.transactionId) };
    },

    async listDevices(_req, ctx) {
      const { on } = await forCaller(ctx);
      return { devices: (await up.identity.listDevices({}, on({ withBearer: true }))).devices };
    },

    async revokeDevice(req, ctx) {
      const { on } = await forCaller(ctx);
      const res = await up.identity.revokeDevice({ deviceId: req.deviceId }, on({ withBearer: true }));
      return { revokedSessions: res.revokedSessions };
    },

    async listSessions(_req, ctx) {
      const { on } = await forCaller(ctx);
      return { sessions: (await up.identity.listSessions({}, on({ withBearer: true }))).sessions };
    },

    async revokeSession(req, ctx) {
      const { on } = await forCaller(ctx);
      await up.identity.revokeSession({ sessionId: req.sessionId }, on({ withBearer: true }));
      return {};
    },

    async getNotificationPreferences(_req, ctx) {
      const { caller, on } = await forCaller(ctx);
      return { preferences: (await up.notification.getPreferences({ userId: caller.userId }, on())).preferences };
    },

    async updateNotificationPreferences(req, ctx) {
      const { caller, on } = await forCaller(ctx);
      return { preferences: (await up.notification.updatePreferences({ userId: caller.userId, entries: req.entries }, on())).preferences };
    },

    async listNotifications(req, ctx) {
      const { caller, on } = await forCaller(ctx);
      const res = await up.notification.listNotifications({ userId: caller.userId, channel: req.channel, page: req.page }, on());
      return { notifications: res.notifications, page: res.page ?? create(PageResponseSchema) };
    },
  };
}
