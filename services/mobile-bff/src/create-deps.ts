/** Wires the BFF's dependencies from its configuration (entry point and tests). */
import type { Interceptor } from "@connectrpc/connect";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { createForwardedTokenChecks } from "#platform/access-tokens/index.js";
import { createServiceClient } from "#platform/clients/index.js";
import type { Registry } from "#platform/metrics/index.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import { LedgerService } from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import { NotificationService } from "#gen/wallet/notification/v1/notification_service_pb.js";
import type { BffSettings, MobileBffDeps } from "./context.js";
import { createRedisOnboardingMemory } from "./storage/onboarding-memory.js";

/** What wiring needs. */
export interface MobileBffWiring {
  readonly identityUrl: string;
  readonly ledgerUrl: string;
  readonly notificationUrl: string;
  /** Identity's JWK Set URL; default `<identityUrl>/.well-known/jwks.json`. */
  readonly jwksUrl?: string;
  readonly issuer: string;
  readonly audience: string;
  /** This process's internal-auth client interceptor (signs every call). */
  readonly internalAuth: Interceptor;
  readonly redis: Redis;
  /** Prefix of the BFF's Redis keys; default `mobile-bff:`. */
  readonly redisPrefix?: string;
  /** Identity's revoked-session list (SESSION_REVOCATION_REDIS_PREFIX, SESSION_REVOCATION_CACHE); default prefix `wallet:`, cache 1 s. */
  readonly revocation?: { readonly keyPrefix: string; readonly cacheMs: number };
  /** Where `session_revocation_checks_total` is registered (`runtime.metrics.registry`). */
  readonly registry?: Registry;
  readonly logger: Logger;
  readonly settings: BffSettings;
  readonly clock?: () => Date;
}

/** The BFF's dependencies: signed upstream clients with a default deadline, the token verifier, Redis memory. */
export function createMobileBffDeps(w: MobileBffWiring): MobileBffDeps {
  const client = { internalAuth: w.internalAuth, defaultTimeoutMs: w.settings.upstreamTimeoutMs };
  return {
    identity: createServiceClient(IdentityService, { baseUrl: w.identityUrl, ...client }),
    ledger: createServiceClient(LedgerService, { baseUrl: w.ledgerUrl, ...client }),
    notification: createServiceClient(NotificationService, { baseUrl: w.notificationUrl, ...client }),
    ...createForwardedTokenChecks({
      identityUrl: w.identityUrl,
      ...(w.jwksUrl ? { jwksUrl: w.jwksUrl } : {}),
      issuer: w.issuer,
      audience: w.audience,
      redis: w.redis,
      ...(w.revocation ? { revocation: w.revocation } : {}),
      ...(w.registry ? { registry: w.registry } : {}),
    }),
    onboarding: createRedisOnboardingMemory(w.redis, { prefix: `${w.redisPrefix ?? "mobile-bff:"}onboarding-currency:`, ttlMs: w.settings.onboardingMemoryMs }),
    logger: w.logger,
    clock: w.clock ?? (() => new Date()),
    config: w.settings,
  };
}
