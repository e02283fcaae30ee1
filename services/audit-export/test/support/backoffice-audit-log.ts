/**
 * Test support: the REAL backoffice server (its routes factory, over a fresh
 * test database migrated with its own migrations) on port 0, behind HMAC
 * internal auth (nonces in real Redis) and the mesh's call graph, so the
 * exporter reads the audit log exactly as in the mesh: signed as
 * "audit-export", through AuditLogService/ReadAuditLog. Its upstreams are
 * not started: the exporter never makes the backoffice call them. Entries are
 * written with the backoffice's own append (the staff gate's), chained and
 * positioned by it.
 */
import { randomUUID } from "node:crypto";
import { createCallGraphInterceptor, createInternalAuthServerInterceptor, createRedisNonceStore, receiverKeys } from "#platform/internal-auth/index.js";
import { createSilentLogger } from "#platform/logging/index.js";
import { callGraph } from "#platform/mesh/call-graph.js";
import { startService, type RunningService } from "#platform/server/index.js";
import { createTestDatabase, type TestDatabase, type TestRedis } from "#platform/testing/index.js";
import { defaultBackofficeSettings } from "../../../backoffice/src/config.js";
import { createBackofficeDeps } from "../../../backoffice/src/create-deps.js";
import type { AuditContent, AuditEntry } from "../../../backoffice/src/domain/audit-chain.js";
import { createBackofficeRoutes } from "../../../backoffice/src/routes.js";
import { appendAuditEntry } from "../../../backoffice/src/storage/audit-log.repository.js";
import type { BackofficeDatabase } from "../../../backoffice/src/storage/backoffice.table.js";

/** The key the exporter signs with (as the mesh's `audit-export` caller). */
export const EXPORTER_KEY = { INTERNAL_AUTH_KEY_ID: "test", INTERNAL_AUTH_SECRET: "audit-export-test-secret-at-least-32-characters" } as const;

const NOWHERE = "http://127.0.0.1:9"; // the discard port: upstreams the exporter never makes the backoffice call

/** A running backoffice whose audit log a test writes. */
export interface BackofficeAuditLog {
  /** The backoffice's gRPC base URL (BACKOFFICE_URL). */
  readonly url: string;
  readonly database: TestDatabase<BackofficeDatabase>;
  /** Appends `count` entries (one transaction each, as the gate writes them); answers them in order. */
  append(count: number, content?: Partial<AuditContent>): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

/** The content of a staff call's entry; `index` varies the action, outcome and address. */
function contentOf(index: number, overrides: Partial<AuditContent>): AuditContent {
  const actions = ["GetAccount", "FreezeAccount", "ListStaff", "IssueRefund", "RevokeUserSessions"] as const;
  const outcomes = ["SUCCEEDED", "SUCCEEDED", "DENIED", "FAILED"] as const;
  const outcome = outcomes[index % outcomes.length]!;
  return {
    id: randomUUID(),
    occurredAt: new Date(),
    actorId: randomUUID(),
    actorRoles: index % 2 === 0 ? ["support"] : ["risk_analyst", "admin"],
    action: actions[index % actions.length]!,
    targetType: "account",
    targetId: randomUUID(),
    reason: index % 3 === 0 ? "customer asked" : "",
    requestId: `req-${randomUUID()}`,
    clientIp: `203.0.113.${index % 250}`,
    outcome,
    errorCode: outcome === "DENIED" ? "permission_denied" : outcome === "FAILED" ? "not_found" : "",
    approvalId: "",
    ...overrides,
  };
}

/** Starts the backoffice over a fresh database; `redis` holds its nonces. */
export async function startBackofficeAuditLog(redis: TestRedis): Promise<BackofficeAuditLog> {
  const database = await createTestDatabase<BackofficeDatabase>({ migrationsFolder: new URL("../../../backoffice/migrations", import.meta.url).pathname });
  const logger = createSilentLogger();
  const deps = createBackofficeDeps({
    db: database.db,
    identityUrl: NOWHERE,
    ledgerUrl: NOWHERE,
    riskUrl: NOWHERE,
    notificationUrl: NOWHERE,
    issuer: NOWHERE,
    audience: "wallet-api",
    internalAuth: (next) => next,
    redis: redis.redis,
    logger,
    settings: defaultBackofficeSettings,
  });
  let server: RunningService;
  try {
    server = await startService({
      name: "backoffice",
      host: "127.0.0.1",
      grpcPort: 0,
      adminPort: 0,
      logger,
      routes: createBackofficeRoutes(deps),
      interceptors: [
        createInternalAuthServerInterceptor({
          callerKeys: receiverKeys({ "audit-export": { [EXPORTER_KEY.INTERNAL_AUTH_KEY_ID]: EXPORTER_KEY.INTERNAL_AUTH_SECRET } }, "backoffice"),
          allowedCallers: ["audit-export"],
          nonceStore: createRedisNonceStore(redis.redis, { prefix: `${redis.prefix}nonce:${database.name}:` }),
        }),
        createCallGraphInterceptor({ graph: callGraph }),
      ],
    });
  } catch (err) {
    await database.drop();
    throw err;
  }
  let written = 0;
  return {
    url: server.url,
    database,
    async append(count, content = {}) {
      const entries: AuditEntry[] = [];
      for (let i = 0; i < count; i++) {
        const index = written++;
        entries.push(await database.db.transaction().execute((trx) => appendAuditEntry(trx, contentOf(index, content))));
      }
      return entries;
    },
    async close() {
      await server.shutdown();
      await database.drop();
    },
  };
}
