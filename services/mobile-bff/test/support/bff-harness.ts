/**
 * Test support: the BFF against REAL identity, ledger and notification
 * servers, each started in process on port 0 from its routes factory over a
 * fresh test database (identity's and the ledger's harnesses), every hop
 * signed with HMAC internal auth (a key per caller) and replay-checked in
 * real Redis. Tests call
 * the BFF as the edge does: signed as "gateway", with the user's subject in
 * `x-internal-subject` and their access token in `authorization`.
 */
import { create } from "@bufbuild/protobuf";
import { sql } from "kysely";
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { randomUUID } from "node:crypto";
import {
  createInternalAuthClientInterceptor,
  createInternalAuthServerInterceptor,
  createRedisNonceStore,
  receiverKeys,
} from "#platform/internal-auth/index.js";
import { createSilentLogger } from "#platform/logging/index.js";
import { startService, type RunningService } from "#platform/server/index.js";
import { createTcpProxy, useResource, useTestDatabase, useTestRedis, type TcpProxy } from "#platform/testing/index.js";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { MobileBffService } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import { LedgerService } from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import { createIdentityRoutes } from "../../../identity/src/routes.js";
import { createWellKnownHandler } from "../../../identity/src/transport/well-known.js";
import { device, emailedToken, PASSWORD, uniqueEmail, useIdentity, type IdentityHarness } from "../../../identity/test/support/identity-harness.js";
import { createLedgerRoutes } from "../../../ledger/src/routes.js";
import { useLedger, type LedgerHarness } from "../../../ledger/test/support/ledger-harness.js";
import { createNotificationRoutes } from "../../../notification/src/routes.js";
import type { NotificationDatabase } from "../../../notification/src/storage/notification.table.js";
import { defaultBffSettings } from "../../src/config.js";
import type { BffSettings, MobileBffDeps } from "../../src/context.js";
import { createMobileBffDeps } from "../../src/create-deps.js";
import { createMobileBffRoutes } from "../../src/routes.js";

/** Callers every server of the test mesh accepts, each with a key of its own. */
const CALLERS = ["gateway", "mobile-bff", "payments"];
const KEY_ID = "k1";
/** A caller's own HMAC secret on the test mesh. */
const secretOf = (callerId: string) => `mesh-test-secret-of-${callerId}-at-least-32-characters`;

/** A BFF client. */
export type BffClient = Client<typeof MobileBffService>;

/** A signed-up, logged-in customer. */
export interface TestUser {
  readonly userId: string;
  readonly email: string;
  readonly phone: string;
  readonly accessToken: string;
  /** The BFF as this user's app reaches it through the edge. */
  readonly bff: BffClient;
}

/** What a test file works with. */
export interface BffMesh {
  readonly identity: IdentityHarness;
  readonly ledger: LedgerHarness;
  /** The BFF's dependencies (its onboarding memory, settings...). */
  readonly bffDeps: MobileBffDeps;
  /** Signs a customer up through identity alone (no wallet), then logs them in. */
  signUpWithoutWallet(): Promise<TestUser>;
  readonly servers: { identity: RunningService; ledger: RunningService; notification: RunningService; bff: RunningService };
  /** With `ledgerProxy`: the TCP proxy the BFF reaches the ledger through (cut it to crash the ledger for the BFF). */
  readonly ledgerProxy: TcpProxy | undefined;
  /** The BFF called by the edge with no user (Onboard), or for `subject` with optional bearer token. */
  bff(options?: { subject?: string; accessToken?: string; headers?: Record<string, string> }): BffClient;
  /** A signed client of an upstream (as `callerId`), e.g. to top up as the payments system. */
  signedClient<S extends typeof LedgerService | typeof IdentityService>(service: S, url: string, callerId: string, headers?: Record<string, string>): Client<S>;
  /** Onboards a user through the BFF (EUR by default), then logs in through identity. */
  customer(options?: { currency?: string; phone?: string; verifyEmail?: boolean }): Promise<TestUser>;
  /** Credits a wallet from the default funding account, as the payments system. */
  topUp(accountId: string, amountMinor: bigint, currency?: string): Promise<void>;
}

/** A signer as `callerId` on the test mesh (e.g. "gateway", for an edge in front of the BFF). */
export const signer = (callerId: string) => createInternalAuthClientInterceptor({ callerId, keyId: KEY_ID, secret: secretOf(callerId) });

/** An interceptor setting fixed request headers (outside the signer, so they are signed). */
const withHeaders = (headers: Record<string, string>): Interceptor => (next) => async (req) => {
  for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
  return next(req);
};

/** Registers the per-file databases, Redis and servers; returns an async accessor to the mesh. */
export function useBffMesh(options: { settings?: Partial<BffSettings>; ledgerProxy?: boolean } = {}): () => Promise<BffMesh> {
  const identity = useIdentity();
  const ledger = useLedger();
  const notificationDb = useTestDatabase<NotificationDatabase>({ migrationsFolder: new URL("../../../notification/migrations", import.meta.url).pathname });
  const redis = useTestRedis();
  let phones = 0;
  return useResource(
    async (): Promise<BffMesh> => {
      const [id, led, r, notificationData] = await Promise.all([identity(), ledger(), redis(), notificationDb()]);
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
      const [identityServer, ledgerServer, notificationServer] = await Promise.all([
        start("identity", createIdentityRoutes(id.deps), createWellKnownHandler({ keys: id.deps.keys, issuer: id.deps.config.issuer })),
        start("ledger", createLedgerRoutes(led.deps)),
        start("notification", createNotificationRoutes({ db: notificationData.db, logger, clock: () => new Date() })),
      ]);
      const ledgerProxy = options.ledgerProxy ? await createTcpProxy({ targetHost: "127.0.0.1", targetPort: ledgerServer.grpcPort }) : undefined;
      const bffDeps = createMobileBffDeps({
        identityUrl: identityServer.url,
        ledgerUrl: ledgerProxy ? ledgerProxy.url(ledgerServer.url) : ledgerServer.url,
        notificationUrl: notificationServer.url,
        issuer: id.deps.config.issuer,
        audience: id.deps.config.audience,
        internalAuth: signer("mobile-bff"),
        redis: r.redis,
        redisPrefix: `${r.prefix}bff:`,
        // Identity's revoked-session list, read on every call (no cache: a revocation shows at once).
        revocation: { keyPrefix: id.deps.config.revokedSessions.keyPrefix, cacheMs: 0 },
        logger,
        settings: { ...defaultBffSettings, ...options.settings },
      });
      const bffServer = await start("mobile-bff", createMobileBffRoutes(bffDeps));

      const signedClient: BffMesh["signedClient"] = (service, url, callerId, headers = {}) =>
        createClient(service, createGrpcTransport({ baseUrl: url, interceptors: [withHeaders(headers), signer(callerId)] })) as never;
      const bff: BffMesh["bff"] = (o = {}) => {
        const headers: Record<string, string> = { ...o.headers };
        if (o.subject) headers["x-internal-subject"] = o.subject;
        if (o.accessToken) headers.authorization = `Bearer ${o.accessToken}`;
        return createClient(MobileBffService, createGrpcTransport({ baseUrl: bffServer.url, interceptors: [withHeaders(headers), signer("gateway")] }));
      };
      const ledgerAsPayments = signedClient(LedgerService, ledgerServer.url, "payments");
      const mesh: BffMesh = {
        identity: id,
        ledger: led,
        bffDeps,
        async signUpWithoutWallet() {
          const email = uniqueEmail();
          const { userId } = await id.client().signUp({ email, password: PASSWORD, device: device() });
          const login = await id.client().login({ email, password: PASSWORD, device: device() });
          if (login.result.case !== "tokens") throw new Error("expected tokens");
          const accessToken = login.result.value.accessToken;
          return { userId, email, phone: "", accessToken, bff: bff({ subject: userId, accessToken }) };
        },
        servers: { identity: identityServer, ledger: ledgerServer, notification: notificationServer, bff: bffServer },
        ledgerProxy,
        bff,
        signedClient,
        async customer(o = {}) {
          const email = uniqueEmail();
          const phone = o.phone ?? `+4915${String(Date.now() % 1e6).padStart(6, "0")}${String(++phones).padStart(3, "0")}`;
          const onboarded = await bff().onboard({ email, phone, password: PASSWORD, device: device(), currency: o.currency ?? "EUR", displayName: "Test" });
          if (o.verifyEmail) await id.client().verifyEmail({ token: await emailedToken(id, onboarded.userId, "EmailVerificationRequested") });
          const login = await id.client().login({ email, password: PASSWORD, device: device() });
          if (login.result.case !== "tokens") throw new Error("expected tokens");
          const accessToken = login.result.value.accessToken;
          return { userId: onboarded.userId, email, phone, accessToken, bff: bff({ subject: onboarded.userId, accessToken }) };
        },
        async topUp(accountId, amountMinor, currency = "EUR") {
          await ledgerAsPayments.topUp({ accountId, amount: { amountMinor, currency }, idempotencyKey: randomUUID() });
        },
      };
      return mesh;
    },
    async (mesh) => {
      await mesh.ledgerProxy?.close();
      await Promise.all(Object.values(mesh.servers).map((s) => s.shutdown()));
    },
  );
}

/** Money for requests. */
export const eur = (amountMinor: bigint | number) => ({ amountMinor: BigInt(amountMinor), currency: "EUR" });

/** A fresh idempotency key. */
export const key = () => randomUUID();

/** The code and ErrorInfo of a refused call. */
export async function refusal(call: Promise<unknown>): Promise<{ code: Code; reason: string; domain: string; metadata: Record<string, string>; message: string }> {
  try {
    await call;
  } catch (err) {
    const error = ConnectError.from(err);
    const info = error.findDetails(ErrorInfoSchema)[0] ?? create(ErrorInfoSchema);
    return { code: error.code, reason: info.reason, domain: info.domain, metadata: info.metadata, message: error.rawMessage };
  }
  throw new Error("expected the call to be refused, it succeeded");
}

/**
 * Holds the row lock on `accountId`'s balance in the ledger's database, so a
 * movement from that account waits inside the ledger (its transaction open,
 * its idempotency key claimed) until `release()`; `waiting()` resolves once a
 * ledger query is blocked on it. Release within the ledger's
 * `idempotencyWaitMs`, its lock timeout.
 */
export async function holdBalanceLock(mesh: BffMesh, accountId: string): Promise<{ waiting(): Promise<void>; release(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holder = mesh.ledger.db.transaction().execute(async (trx) => {
    await trx.selectFrom("balances").select("account_id").where("account_id", "=", accountId).forUpdate().execute();
    locked();
    await released;
  });
  await Promise.race([isLocked, holder]);
  return {
    async waiting() {
      for (;;) {
        const { rows } = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
        `.execute(mesh.ledger.db);
        if ((rows[0]?.n ?? 0) > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async release() {
      release();
      await holder;
    },
  };
}
