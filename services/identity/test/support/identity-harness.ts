/**
 * Test support: a fresh migrated identity database and a Redis prefix per
 * test file, identity's handlers behind an in-memory Connect transport
 * (createRouterTransport) with a fixed internal caller, a settable clock,
 * cheap argon2 parameters, and helpers to read outbox events.
 */
import { create, fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport, type Client, type Interceptor } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { decodeJwt } from "jose";
import { asVerifiedCaller } from "#platform/internal-auth/testing/index.js";
import { createSilentLogger } from "#platform/logging/index.js";
import { useTestDatabase, useTestRedis } from "#platform/testing/index.js";
import { ErrorInfoSchema, RetryInfoSchema } from "#gen/google/rpc/error_details_pb.js";
import { EventEnvelopeSchema, type EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import { Platform } from "#gen/wallet/identity/v1/device_pb.js";
import { identityConfigFields, identitySettings } from "../../src/config.js";
import type { IdentityDeps, IdentitySettings } from "../../src/context.js";
import { createIdentityDeps } from "../../src/create-deps.js";
import { createIdentityRoutes } from "../../src/routes.js";
import type { IdentityDatabase } from "../../src/storage/identity.table.js";
import { CLIENT_IP_HEADER } from "../../src/transport/request-context.js";
import { z } from "zod";

export const migrationsFolder = new URL("../../migrations", import.meta.url).pathname;

/** An identity client over the in-memory transport. */
export type IdentityClient = Client<typeof IdentityService>;

/** A clock tests move by hand. */
export interface TestClock {
  (): Date;
  advance(ms: number): void;
  set(date: Date): void;
}

/** A clock starting at `start` (default: now). */
export function createTestClock(start = new Date()): TestClock {
  let now = start.getTime();
  const clock = (() => new Date(now)) as TestClock;
  clock.advance = (ms) => void (now += ms);
  clock.set = (date) => void (now = date.getTime());
  return clock;
}

/** Default settings (the config defaults) with cheap argon2 and no key cache. */
export function testSettings(overrides: Partial<IdentitySettings> = {}): IdentitySettings {
  const defaults = z.object(identityConfigFields).parse({});
  return {
    ...identitySettings(defaults),
    argon2: { memoryKib: 1024, iterations: 1, parallelism: 1 },
    keyCacheTtlMs: 0,
    ...overrides,
  };
}

/** What a test file works with. */
export interface IdentityHarness {
  readonly db: import("kysely").Kysely<IdentityDatabase>;
  readonly deps: IdentityDeps;
  readonly clock: TestClock;
  /** A client calling as an internal service (default "gateway"), with optional headers. */
  client(options?: { callerId?: string; headers?: Record<string, string> }): IdentityClient;
  /** A client for self-service RPCs: forwards the bearer token and its subject. */
  me(accessToken: string, headers?: Record<string, string>): IdentityClient;
}

/** Registers the per-file database and Redis prefix; returns an async accessor to the harness. */
export function useIdentity(options: { settings?: Partial<IdentitySettings>; start?: Date } = {}) {
  const database = useTestDatabase<IdentityDatabase>({ migrationsFolder, poolSize: 10 });
  const redis = useTestRedis();
  let harness: Promise<IdentityHarness> | undefined;
  return () =>
    (harness ??= (async () => {
      const [{ db }, r] = await Promise.all([database(), redis()]);
      const clock = createTestClock(options.start);
      const deps = createIdentityDeps({
        db,
        redis: r.redis,
        logger: createSilentLogger(),
        // The revoked-session list under this file's prefix too (the edge and BFF harnesses read it from deps.config).
        settings: testSettings({ redisPrefix: r.prefix, revokedSessions: { ...testSettings().revokedSessions, keyPrefix: r.prefix }, ...options.settings }),
        keyEncryptionSecret: "test-key-encryption-secret-of-at-least-32-chars",
        clock,
      });
      await deps.keys.ensureActiveKey();
      const build = (callerId: string, subject: string | undefined, headers: Record<string, string>) => {
        const asCaller = asVerifiedCaller({ callerId, subject, mode: "off" });
        const addHeaders: Interceptor = (next) => async (req) => {
          for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
          return next(req);
        };
        const transport = createRouterTransport(createIdentityRoutes(deps), {
          router: { interceptors: [asCaller] },
          transport: { interceptors: [addHeaders] },
        });
        return createClient(IdentityService, transport);
      };
      return {
        db,
        deps,
        clock,
        client: (o = {}) => build(o.callerId ?? "gateway", undefined, o.headers ?? {}),
        me: (token, headers = {}) => build("gateway", decodeJwt(token).sub, { authorization: `Bearer ${token}`, ...headers }),
      };
    })());
}

/** A unique email. */
export const uniqueEmail = (name = "user") => `${name}.${randomUUID().slice(0, 8)}@example.com`;

/** A strong password for tests. */
export const PASSWORD = "correct horse battery staple";

/** A device for requests. */
export const device = (deviceId: string = randomUUID(), name = "Test phone") => ({ deviceId, name, platform: Platform.IOS, pushToken: "", appVersion: "1.0.0" });

/** Signs up a customer and answers their id and email. */
export async function signUpUser(client: IdentityClient, email = uniqueEmail()): Promise<{ userId: string; email: string }> {
  const res = await client.signUp({ email, password: PASSWORD, device: device() });
  return { userId: res.userId, email };
}

/** Signs up and logs in (no MFA): answers the token pair and device id. */
export async function loggedInUser(client: IdentityClient, email = uniqueEmail()) {
  const { userId } = await signUpUser(client, email);
  const dev = device();
  const res = await client.login({ email, password: PASSWORD, device: dev });
  if (res.result.case !== "tokens") throw new Error("expected tokens");
  return { userId, email, deviceId: dev.deviceId, tokens: res.result.value };
}

/** Outbox events of an aggregate id or user, decoded, oldest first. */
export async function outboxEvents(h: IdentityHarness, filter: { aggregateId?: string; type?: string } = {}): Promise<EventEnvelope[]> {
  let q = h.db.selectFrom("outbox_events").selectAll().orderBy("created_at").orderBy("event_id");
  if (filter.aggregateId) q = q.where("aggregate_id", "=", filter.aggregateId);
  if (filter.type) q = q.where("event_type", "=", `wallet.events.v1.${filter.type}`);
  return (await q.execute()).map((row) => fromBinary(EventEnvelopeSchema, row.payload));
}

/** The secret token carried by the latest event of a type for a user. */
export async function emailedToken(h: IdentityHarness, userId: string, type: "EmailVerificationRequested" | "RecoveryRequested"): Promise<string> {
  const events = await outboxEvents(h, { aggregateId: userId, type });
  const last = events.at(-1);
  if (!last || (last.payload.case !== "emailVerificationRequested" && last.payload.case !== "recoveryRequested")) throw new Error(`no ${type} event`);
  return last.payload.value.token;
}

/** The code, reason, metadata and retry delay of a refused call. */
export async function refusal(call: Promise<unknown>): Promise<{ code: Code; reason: string; domain: string; metadata: Record<string, string>; message: string; retryMs?: number }> {
  try {
    await call;
  } catch (err) {
    const error = ConnectError.from(err);
    const info = error.findDetails(ErrorInfoSchema)[0] ?? create(ErrorInfoSchema);
    const retry = error.findDetails(RetryInfoSchema)[0];
    const retryMs = retry?.retryDelay ? Number(retry.retryDelay.seconds) * 1000 + retry.retryDelay.nanos / 1e6 : undefined;
    return { code: error.code, reason: info.reason, domain: info.domain, metadata: info.metadata, message: error.rawMessage, retryMs };
  }
  throw new Error("expected the call to be refused, it succeeded");
}

export { CLIENT_IP_HEADER };
