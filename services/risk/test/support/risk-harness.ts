/**
 * Test support: a fresh migrated risk database and a Redis prefix per test
 * file, risk's handlers behind an in-memory Connect transport
 * (createRouterTransport) with a fixed internal caller, a settable clock, and
 * helpers to replace the rules and build requests.
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Registry } from "prom-client";
import { createCallGraphInterceptor, type InternalCaller } from "#platform/internal-auth/index.js";
import { asVerifiedCaller } from "#platform/internal-auth/testing/index.js";
import { callGraph } from "#platform/mesh/call-graph.js";
import { createSilentLogger } from "#platform/logging/index.js";
import { useTestDatabase, useTestRedis } from "#platform/testing/index.js";
import { MoneySchema } from "#gen/wallet/common/v1/money_pb.js";
import { RiskService, type ScoreTransactionRequestSchema } from "#gen/wallet/risk/v1/risk_service_pb.js";
import { RuleSchema } from "#gen/wallet/risk/v1/rule_pb.js";
import { Decision, TransactionKind } from "#gen/wallet/risk/v1/scoring_pb.js";
import { defaultRiskSettings } from "../../src/config.js";
import type { RiskDeps, RiskSettings } from "../../src/context.js";
import { createRiskDeps } from "../../src/create-deps.js";
import { createRiskRoutes } from "../../src/routes.js";
import type { RiskDatabase } from "../../src/storage/risk.table.js";

export const migrationsFolder = new URL("../../migrations", import.meta.url).pathname;

/** A risk client over the in-memory transport. */
export type RiskClient = Client<typeof RiskService>;

/** A clock tests move by hand. */
export interface TestClock {
  (): Date;
  advance(ms: number): void;
}

/** A clock starting at `start`. */
export function createTestClock(start = new Date()): TestClock {
  let now = start.getTime();
  const clock = (() => new Date(now)) as TestClock;
  clock.advance = (ms) => void (now += ms);
  return clock;
}

/** What a test file works with. */
export interface RiskHarness {
  readonly db: Kysely<RiskDatabase>;
  readonly deps: RiskDeps;
  readonly clock: TestClock;
  /** A client calling as backoffice on behalf of staff user "staff-1". */
  readonly client: RiskClient;
  /** A client calling as the ledger, the one service that scores movements. */
  readonly scorer: RiskClient;
  /** A client calling as any verified caller. */
  clientAs(caller: InternalCaller): RiskClient;
  /** Deletes every rule (the seeded defaults included) and upserts these through the RPC. */
  setRules(rules: Array<MessageInitShape<typeof RuleSchema>>): Promise<void>;
}

/** Registers the per-file database and Redis prefix; returns an async accessor to the harness. */
export function useRisk(options: { settings?: Partial<RiskSettings>; registry?: Registry } = {}) {
  const database = useTestDatabase<RiskDatabase>({ migrationsFolder });
  const redis = useTestRedis();
  let harness: Promise<RiskHarness> | undefined;
  return () =>
    (harness ??= (async () => {
      const [{ db }, r] = await Promise.all([database(), redis()]);
      const clock = createTestClock();
      const deps = createRiskDeps({
        db,
        redis: r.redis,
        logger: createSilentLogger(),
        settings: { ...defaultRiskSettings, redisPrefix: r.prefix, rulesRefreshMs: 0, ...options.settings },
        clock,
        registry: options.registry,
      });
      // Behind the mesh's call graph, as serveProcess serves the routes.
      const callGraphCheck = createCallGraphInterceptor({ graph: callGraph });
      const clientAs = (caller: InternalCaller) =>
        createClient(RiskService, createRouterTransport(createRiskRoutes(deps), { router: { interceptors: [asVerifiedCaller(caller), callGraphCheck] } }));
      const client = clientAs({ callerId: "backoffice", subject: "staff-1", mode: "hmac" });
      return {
        db,
        deps,
        clock,
        client,
        scorer: clientAs({ callerId: "ledger", mode: "hmac" }),
        clientAs,
        async setRules(rules) {
          await db.deleteFrom("risk_rules").execute();
          for (const rule of rules) await client.upsertRule({ rule: { enabled: true, ...rule } });
          await deps.rules.refresh();
        },
      };
    })());
}

/** Money in minor units. */
export const money = (amountMinor: bigint, currency = "EUR") => create(MoneySchema, { amountMinor, currency });

/** Durations for rules. */
export const MINUTE = durationFromMs(60_000);
export const HOUR = durationFromMs(3_600_000);
export const DAY = durationFromMs(86_400_000);

/** A transfer request for a fresh user, device and IP unless given. */
export function transfer(
  amountMinor: bigint,
  overrides: {
    userId?: string;
    deviceId?: string;
    ipAddress?: string;
    transactionKind?: TransactionKind;
    currency?: string;
    counterpartyAccountId?: string;
    referenceId?: string;
  } = {},
): MessageInitShape<typeof ScoreTransactionRequestSchema> {
  const { currency, counterpartyAccountId, ...rest } = overrides;
  return {
    userId: `user-${randomUUID()}`,
    deviceId: `device-${randomUUID()}`,
    ipAddress: "198.51.100.7",
    transactionKind: TransactionKind.TRANSFER,
    amount: money(amountMinor, currency),
    referenceId: randomUUID(),
    ...(counterpartyAccountId ? { counterparty: { case: "counterpartyAccountId" as const, value: counterpartyAccountId } } : {}),
    ...rest,
  };
}

export { Decision, TransactionKind };
