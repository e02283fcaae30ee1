/**
 * A small edge app for the protections' tests: the protections registered as
 * the real edge registers them, a few routes standing for derived REST routes
 * (each tagged with its RPC), and a stub upstream recording what it was sent.
 */
import type { DescMethod } from "@bufbuild/protobuf";
import Fastify, { type FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import type { Registry } from "prom-client";
import { createAccessTokenVerifier, type AccessTokenVerifier, type RevokedSessionChecker } from "#platform/access-tokens/index.js";
import { createTestSigningKey, signTestAccessToken, type TestSigningKey } from "#platform/access-tokens/testing/index.js";
import { BackofficeService } from "#gen/wallet/backoffice/v1/backoffice_service_pb.js";
import { MobileBffService } from "#gen/wallet/bff/v1/mobile_bff_service_pb.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import {
  edgeProblemFromError,
  edgeServerOptions,
  prepareUpstreamCall,
  registerEdgeProtections,
  sendProblem,
  type ProtectionsSettings,
} from "../src/protections/index.js";

export const ISSUER = "http://identity.test";
export const AUDIENCE = "wallet-api";

/** Settings with generous limits; tests override what they exercise. */
export function testSettings(overrides: { [K in keyof ProtectionsSettings]?: Partial<ProtectionsSettings[K]> } = {}): ProtectionsSettings {
  return {
    jwks: { url: "http://127.0.0.1:1/.well-known/jwks.json", issuer: ISSUER, audience: AUDIENCE, ...overrides.jwks },
    revocation: { keyPrefix: "test:gateway:revocation:", cacheMs: 0, ...overrides.revocation },
    stepUp: { amountMinor: 100_000n, maxAgeSec: 300, ...overrides.stepUp },
    hygiene: { requireHttps: false, trustProxy: false, bodyLimitBytes: 1024, maxHeaderBytes: 16 * 1024, maxUrlBytes: 8 * 1024, ...overrides.hygiene },
    rateLimits: { windowSec: 60, perIp: 1000, perUser: 1000, sensitive: 1000, ...overrides.rateLimits },
    upstream: { timeoutMs: 1000, maxRetries: 2, breakerFailures: 5, halfOpenAfterMs: 1000, ...overrides.upstream },
  };
}

/** One call the stub upstream received. */
export interface RecordedCall {
  readonly rpc: string;
  readonly message: Record<string, unknown>;
  readonly headers: Record<string, string>;
}

/** What a test app offers. */
export interface TestEdge {
  readonly app: FastifyInstance;
  readonly calls: RecordedCall[];
  /** Audit lines written, parsed. */
  readonly auditLines: Record<string, unknown>[];
  /** Makes the next upstream calls throw `err` (until reset with undefined). */
  failWith(err: unknown): void;
}

/** Routes standing for derived ones: [HTTP method, path, RPC]. */
const ROUTES: [string, string, DescMethod][] = [
  ["POST", "/v1/identity/login", IdentityService.method.login],
  ["GET", "/v1/identity/me", IdentityService.method.getCurrentUser],
  ["DELETE", "/v1/identity/me/mfa/totp", IdentityService.method.disableTotp],
  ["POST", "/v1/identity/me/password", IdentityService.method.changePassword],
  ["GET", "/v1/accounts/:account_id/balance", MobileBffService.method.getBalance],
  ["POST", "/v1/transfers", MobileBffService.method.transfer],
  ["GET", "/v1/admin/users/:user_id", BackofficeService.method.getUser],
  ["POST", "/v1/admin/users/:user_id/lock", BackofficeService.method.lockUser],
  ["POST", "/v1/admin/transactions/:transaction_id/refunds", BackofficeService.method.issueRefund],
  ["POST", "/v1/admin/accounts/:account_id/adjustments", BackofficeService.method.adjustBalance],
];

/** Options of {@link createTestEdge}. */
export interface TestEdgeOptions {
  readonly settings?: ProtectionsSettings;
  readonly verifier: AccessTokenVerifier;
  readonly redis: Redis;
  readonly keyPrefix: string;
  /** Wait until Redis is connected (default true): before that, limits decide in memory. */
  readonly waitForRedis?: boolean;
  /** The edge's metrics registry, when a test reads its metrics. */
  readonly registry?: Registry;
  /** The revoked-session list; default the real checker over `redis`. */
  readonly revokedSessions?: RevokedSessionChecker;
}

/** Builds the app; `inject` it. */
export async function createTestEdge(options: TestEdgeOptions): Promise<TestEdge> {
  const settings = options.settings ?? testSettings();
  if ((options.waitForRedis ?? true) && options.redis.status !== "ready") {
    await new Promise((resolve) => options.redis.once("ready", resolve));
  }
  const { bodyLimit, trustProxy } = edgeServerOptions(settings.hygiene);
  const app = Fastify({ logger: false, bodyLimit, trustProxy });
  const calls: RecordedCall[] = [];
  const auditLines: Record<string, unknown>[] = [];
  const auditLogger: Logger = pino({ level: "info" }, { write: (line: string) => void auditLines.push(JSON.parse(line)) });
  let failure: unknown;

  registerEdgeProtections(app, {
    settings,
    verifier: options.verifier,
    redis: options.redis,
    keyPrefix: options.keyPrefix,
    auditLogger,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.revokedSessions ? { revokedSessions: options.revokedSessions } : {}),
  });
  app.setErrorHandler((err, _request, reply) => {
    const problem = edgeProblemFromError(err, settings);
    if (problem) return sendProblem(reply, problem);
    return reply.code(500).type("application/problem+json").send({ type: "about:blank", title: "Internal Server Error", status: 500 });
  });
  for (const [method, url, rpc] of ROUTES) {
    app.route({
      method: method as "GET",
      url,
      config: { rpcMethod: rpc },
      handler: async (request) => {
        const message: Record<string, unknown> = { ...(request.body as object), ...(request.params as object) };
        const headers = prepareUpstreamCall(request, rpc, message, settings);
        if (failure !== undefined) throw failure;
        calls.push({ rpc: `${rpc.parent.typeName}.${rpc.name}`, message, headers });
        return { ok: true };
      },
    });
  }
  app.get("/healthz", async () => ({ status: "ok" }));
  await app.ready();
  return {
    app,
    calls,
    auditLines,
    failWith(err) {
      failure = err;
    },
  };
}

/** An identity stand-in: a signing key and a local key set for the verifier. */
export interface TestIssuer {
  readonly key: TestSigningKey;
  readonly verifier: AccessTokenVerifier;
  /** A valid access token; `claims` override the defaults (a customer, password only). */
  token(claims?: Record<string, unknown>, issuedAt?: Date): Promise<string>;
}

/** A signing key and a verifier trusting it. */
export async function createTestIssuer(): Promise<TestIssuer> {
  const key = await createTestSigningKey();
  const set = { keys: [key.publicJwk] };
  const verifier = createAccessTokenVerifier({ jwks: () => set, issuer: ISSUER, audience: AUDIENCE });
  return {
    key,
    verifier,
    token: (claims, issuedAt) => signTestAccessToken(key, { issuer: ISSUER, audience: AUDIENCE, ...(claims ? { claims } : {}), ...(issuedAt ? { issuedAt } : {}) }),
  };
}

/** `Authorization` header for `token`. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
