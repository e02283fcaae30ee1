/**
 * Test support: the backoffice in front of REAL identity, ledger, risk and
 * notification servers, each started in process on port 0 from its routes
 * factory over a fresh test database, every hop signed with HMAC internal
 * auth (a key per caller) and replay-checked in real Redis. Tests call the
 * backoffice as the edge does: signed as "gateway", with the staff member's
 * subject in `x-internal-subject` and their access token in `authorization`.
 *
 * Staff tokens are signed with identity's own keys (its token issuer), so a
 * test can hold any role, second factor and authentication time; the staff
 * journey through real logins is the end-to-end test's.
 */
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { randomUUID } from "node:crypto";
import type { StaffRole } from "#platform/access-tokens/claims.js";
import { createInternalAuthClientInterceptor, createInternalAuthServerInterceptor, createRedisNonceStore, receiverKeys } from "#platform/internal-auth/index.js";
import { createSilentLogger } from "#platform/logging/index.js";
import { startService, type RunningService } from "#platform/server/index.js";
import { useResource, useTestDatabase, useTestRedis } from "#platform/testing/index.js";
import { AuditLogService } from "#gen/wallet/backoffice/v1/audit_log_service_pb.js";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { LedgerService } from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import { AccountKind } from "#gen/wallet/ledger/v1/account_pb.js";
import { createIdentityRoutes } from "../../../identity/src/routes.js";
import { createWellKnownHandler } from "../../../identity/src/transport/well-known.js";
import { device, PASSWORD, uniqueEmail, useIdentity, type IdentityHarness } from "../../../identity/test/support/identity-harness.js";
import { createLedgerRoutes } from "../../../ledger/src/routes.js";
import { useLedger, type LedgerHarness } from "../../../ledger/test/support/ledger-harness.js";
import { createNotificationRoutes } from "../../../notification/src/routes.js";
import type { NotificationDatabase } from "../../../notification/src/storage/notification.table.js";
import { createRiskRoutes } from "../../../risk/src/routes.js";
import { useRisk, type RiskHarness } from "../../../risk/test/support/risk-harness.js";
import { defaultBackofficeSettings, type BackofficeSettings } from "../../src/config.js";
import type { BackofficeDeps } from "../../src/context.js";
import { createBackofficeDeps } from "../../src/create-deps.js";
import { createBackofficeRoutes } from "../../src/routes.js";
import type { BackofficeDatabase } from "../../src/storage/backoffice.table.js";

/** Callers every server of the test mesh accepts, each with a key of its own. */
const CALLERS = ["gateway", "backoffice", "mobile-bff", "payments", "ledger", "audit-export"];
const KEY_ID = "k1";
const secretOf = (callerId: string) => `backoffice-test-secret-of-${callerId}-at-least-32-chars`;
const signer = (callerId: string) => createInternalAuthClientInterceptor({ callerId, keyId: KEY_ID, secret: secretOf(callerId) });

export const migrationsFolder = new URL("../../migrations", import.meta.url).pathname;

/** A backoffice client. */
export type BackofficeClient = Client<typeof BackofficeService>;

/** A staff member of a test: their id, token and client. */
export interface TestStaff {
  readonly id: string;
  /** The session of their token (`sid`). */
  readonly sessionId: string;
  readonly roles: readonly StaffRole[];
  readonly accessToken: string;
  readonly backoffice: BackofficeClient;
}

/** What a staff token carries; defaults: TOTP just now. */
export interface StaffOptions {
  readonly amr?: readonly string[];
  /** When they last authenticated; default now. */
  readonly authTime?: Date;
  readonly id?: string;
}

/** A customer with a funded EUR wallet. */
export interface TestCustomer {
  readonly userId: string;
  readonly email: string;
  readonly accountId: string;
}

/** What a test file works with. */
export interface BackofficeMesh {
  readonly db: import("kysely").Kysely<BackofficeDatabase>;
  /** URL of the backoffice's test database (for the verify command). */
  readonly databaseUrl: string;
  readonly deps: BackofficeDeps;
  readonly identity: IdentityHarness;
  readonly ledger: LedgerHarness;
  readonly risk: RiskHarness;
  /** The notification service's database (to seed recipients). */
  readonly notificationDb: import("kysely").Kysely<NotificationDatabase>;
  readonly servers: Record<"identity" | "ledger" | "risk" | "notification" | "backoffice", RunningService>;
  /** A staff member with `roles` (any StaffRole, "approver" included) and a fresh TOTP sign-in unless told otherwise. */
  staff(roles: readonly string[], options?: StaffOptions): Promise<TestStaff>;
  /** The backoffice called by the edge with these headers (no token, a forged one...). */
  backofficeWith(headers: Record<string, string>): BackofficeClient;
  /** Signs a customer up and opens and funds their EUR wallet. */
  customer(fundedMinor?: bigint): Promise<TestCustomer>;
  /** A posted transfer of `amountMinor` from one customer's wallet to another's, as the BFF would post it. */
  transfer(from: TestCustomer, to: TestCustomer, amountMinor: bigint): Promise<string>;
  /** The backoffice's AuditLogService as the audit-export worker calls it. */
  readonly auditReader: Client<typeof AuditLogService>;
  /** The ledger as the payments system (top-ups) or the BFF (transfers, balances). */
  readonly ledgerAs: (callerId: string) => Client<typeof LedgerService>;
}

/** An interceptor setting fixed request headers (outside the signer, so they are signed). */
const withHeaders = (headers: Record<string, string>): Interceptor => (next) => async (req) => {
  for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
  return next(req);
};

/** Registers the per-file databases, Redis and servers; returns an async accessor to the mesh. */
export function useBackofficeMesh(options: { settings?: Partial<BackofficeSettings> } = {}): () => Promise<BackofficeMesh> {
  const identity = useIdentity();
  const ledger = useLedger();
  const risk = useRisk();
  const notificationDb = useTestDatabase<NotificationDatabase>({ migrationsFolder: new URL("../../../notification/migrations", import.meta.url).pathname });
  const backofficeDb = useTestDatabase<BackofficeDatabase>({ migrationsFolder });
  const redis = useTestRedis();
  return useResource(
    async (): Promise<BackofficeMesh> => {
      const [id, led, rk, r, notificationData, bo] = await Promise.all([identity(), ledger(), risk(), redis(), notificationDb(), backofficeDb()]);
      const logger = createSilentLogger();
      const serverAuth = (name: string) =>
        createInternalAuthServerInterceptor({
          // Each server holds its callers' keys derived for it, as npm start gives them.
          callerKeys: receiverKeys(Object.fromEntries(CALLERS.map((caller) => [caller, { [KEY_ID]: secretOf(caller) }])), name),
          allowedCallers: CALLERS,
          maxSkewMs: 30_000,
          nonceStore: createRedisNonceStore(r.redis, { prefix: `${r.prefix}nonce:${name}:` }),
        });
      const start = (name: string, routes: Parameters<typeof startService>[0]["routes"], fallback?: Parameters<typeof startService>[0]["fallback"]) =>
        startService({ name, host: "127.0.0.1", grpcPort: 0, adminPort: 0, logger, routes, interceptors: [serverAuth(name)], fallback });
      const [identityServer, ledgerServer, riskServer, notificationServer] = await Promise.all([
        start("identity", createIdentityRoutes(id.deps), createWellKnownHandler({ keys: id.deps.keys, issuer: id.deps.config.issuer })),
        start("ledger", createLedgerRoutes(led.deps)),
        start("risk", createRiskRoutes(rk.deps)),
        start("notification", createNotificationRoutes({ db: notificationData.db, logger, clock: () => new Date() })),
      ]);
      const deps = createBackofficeDeps({
        db: bo.db,
        identityUrl: identityServer.url,
        ledgerUrl: ledgerServer.url,
        riskUrl: riskServer.url,
        notificationUrl: notificationServer.url,
        issuer: id.deps.config.issuer,
        audience: id.deps.config.audience,
        internalAuth: signer("backoffice"),
        redis: r.redis,
        // Identity's revoked-session list, read on every call (no cache: a revocation shows at once).
        revocation: { keyPrefix: id.deps.config.revokedSessions.keyPrefix, cacheMs: 0 },
        logger,
        settings: { ...defaultBackofficeSettings, ...options.settings },
      });
      const backofficeServer = await start("backoffice", createBackofficeRoutes(deps));
      const backofficeWith = (headers: Record<string, string>) =>
        createClient(BackofficeService, createGrpcTransport({ baseUrl: backofficeServer.url, interceptors: [withHeaders(headers), signer("gateway")] }));
      const ledgerAs = (callerId: string) => createClient(LedgerService, createGrpcTransport({ baseUrl: ledgerServer.url, interceptors: [signer(callerId)] }));

      const mesh: BackofficeMesh = {
        db: bo.db,
        databaseUrl: bo.url,
        deps,
        identity: id,
        ledger: led,
        risk: rk,
        notificationDb: notificationData.db,
        servers: { identity: identityServer, ledger: ledgerServer, risk: riskServer, notification: notificationServer, backoffice: backofficeServer },
        backofficeWith,
        ledgerAs,
        auditReader: createClient(AuditLogService, createGrpcTransport({ baseUrl: backofficeServer.url, interceptors: [signer("audit-export")] })),
        async staff(roles, o = {}) {
          const staffId = o.id ?? randomUUID();
          const sessionId = randomUUID();
          const issued = await id.deps.tokens.issueAccessToken({
            userId: staffId,
            sessionId,
            deviceId: "",
            amr: o.amr ?? ["pwd", "otp", "mfa"],
            authTime: o.authTime ?? new Date(),
            roles: roles as StaffRole[],
          });
          return {
            id: staffId,
            sessionId,
            roles: roles as StaffRole[],
            accessToken: issued.token,
            backoffice: backofficeWith({ "x-internal-subject": staffId, authorization: `Bearer ${issued.token}`, "x-client-ip": "203.0.113.7" }),
          };
        },
        async customer(fundedMinor = 100_000n) {
          const email = uniqueEmail("customer");
          const { userId } = await id.client().signUp({ email, password: PASSWORD, device: device() });
          const opened = await ledgerAs("mobile-bff").openAccount({ ownerUserId: userId, kind: AccountKind.USER_WALLET, currency: "EUR", idempotencyKey: randomUUID() });
          const accountId = opened.account!.id;
          if (fundedMinor > 0n) {
            await ledgerAs("payments").topUp({ accountId, amount: { amountMinor: fundedMinor, currency: "EUR" }, idempotencyKey: randomUUID() });
          }
          return { userId, email, accountId };
        },
        async transfer(from, to, amountMinor) {
          const res = await ledgerAs("mobile-bff").transfer({
            fromAccountId: from.accountId,
            toAccountId: to.accountId,
            amount: { amountMinor, currency: "EUR" },
            idempotencyKey: randomUUID(),
            riskContext: { userId: from.userId, sessionId: randomUUID(), deviceId: "" },
          });
          return res.transaction!.id;
        },
      };
      return mesh;
    },
    async (mesh) => {
      await Promise.all(Object.values(mesh.servers).map((s) => s.shutdown()));
    },
  );
}

/** Money in EUR minor units. */
export const eur = (amountMinor: bigint | number) => ({ amountMinor: BigInt(amountMinor), currency: "EUR" });

/** A fresh idempotency key. */
export const key = () => randomUUID();

/** The code and ErrorInfo of a refused call (identity's harness has the one every harness uses). */
export { refusal } from "../../../identity/test/support/identity-harness.js";
