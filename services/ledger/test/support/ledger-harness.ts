/**
 * Test support: a fresh migrated ledger database per test file, the ledger's
 * handlers behind an in-memory Connect transport (createRouterTransport) with
 * a fixed internal caller, and small helpers to open and fund accounts.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { asVerifiedCaller } from "#platform/internal-auth/testing/index.js";
import { createSilentLogger } from "#platform/logging/index.js";
import { useTestDatabase, type TestDatabase } from "#platform/testing/index.js";
import { ErrorInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { AccountKind } from "#gen/wallet/ledger/v1/account_pb.js";
import { LedgerService } from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import { defaultLedgerSettings } from "../../src/config.js";
import type { LedgerDeps, LedgerSettings } from "../../src/context.js";
import type { RiskScreening } from "../../src/risk/screen-movement.js";
import { createLedgerRoutes } from "../../src/routes.js";
import type { LedgerDatabase } from "../../src/storage/ledger.table.js";

export const migrationsFolder = new URL("../../migrations", import.meta.url).pathname;

/** A ledger client over the in-memory transport. */
export type LedgerClient = Client<typeof LedgerService>;

/** Registers the per-file database; returns an async accessor to the harness. */
export function useLedger(options: LedgerHarnessOptions = {}) {
  const database = useTestDatabase<LedgerDatabase>({ migrationsFolder, poolSize: options.poolSize ?? 10 });
  let harness: Promise<LedgerHarness> | undefined;
  return () => (harness ??= database().then(async (db) => createHarness(db, options, await options.risk?.())));
}

/** How a test file wants its ledger. */
export interface LedgerHarnessOptions {
  readonly poolSize?: number;
  readonly settings?: Partial<LedgerSettings>;
  readonly clock?: () => Date;
  /** Risk screening of user-initiated movements; none (not scored) by default. */
  readonly risk?: () => Promise<RiskScreening>;
}

/** What a test file works with. */
export interface LedgerHarness {
  readonly database: TestDatabase<LedgerDatabase>;
  readonly db: Kysely<LedgerDatabase>;
  readonly deps: LedgerDeps;
  /** A client calling as `callerId` (default "mobile-bff"), optionally for a user subject. */
  client(callerId?: string, subject?: string): LedgerClient;
}

function createHarness(database: TestDatabase<LedgerDatabase>, options: LedgerHarnessOptions, risk: RiskScreening | undefined): LedgerHarness {
  const deps: LedgerDeps = {
    db: database.db,
    logger: createSilentLogger(),
    clock: options.clock ?? (() => new Date()),
    config: { ...defaultLedgerSettings, maintenanceIntervalMs: 0, ...options.settings },
    risk,
  };
  return {
    database,
    db: database.db,
    deps,
    client(callerId = "mobile-bff", subject?: string) {
      const transport = createRouterTransport(createLedgerRoutes(deps), { router: { interceptors: [asVerifiedCaller({ callerId, subject, mode: "off" })] } });
      return createClient(LedgerService, transport);
    },
  };
}

/** A fresh idempotency key. */
export const key = () => randomUUID();

/** Money for requests. */
export const eur = (amountMinor: bigint | number) => ({ amountMinor: BigInt(amountMinor), currency: "EUR" });

/** Opens a user wallet and returns its id. */
export async function openWallet(client: LedgerClient, currency = "EUR", owner: string = randomUUID()): Promise<string> {
  const res = await client.openAccount({ ownerUserId: owner, kind: AccountKind.USER_WALLET, currency, idempotencyKey: key() });
  return res.account!.id;
}

/** Opens a wallet and tops it up with `amount` from the default funding account. */
export async function fundedWallet(client: LedgerClient, amount: bigint | number, currency = "EUR"): Promise<string> {
  const id = await openWallet(client, currency);
  if (BigInt(amount) > 0n) {
    await client.topUp({ accountId: id, amount: { amountMinor: BigInt(amount), currency }, idempotencyKey: key() });
  }
  return id;
}

/** The ConnectError code and ErrorInfo of a refused call. */
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
