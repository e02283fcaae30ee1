/** Wires the backoffice's dependencies from its configuration (entry point and tests). */
import type { Interceptor } from "@connectrpc/connect";
import type { Redis } from "ioredis";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { createForwardedTokenChecks } from "#platform/access-tokens/index.js";
import { createServiceClient, translateErrors } from "#platform/clients/index.js";
import type { Registry } from "#platform/metrics/index.js";
import { IdentityService } from "#gen/wallet/identity/v1/identity_service_pb.js";
import { LedgerService } from "#gen/wallet/ledger/v1/ledger_service_pb.js";
import { NotificationService } from "#gen/wallet/notification/v1/notification_service_pb.js";
import { RiskService } from "#gen/wallet/risk/v1/risk_service_pb.js";
import type { BackofficeSettings } from "./config.js";
import type { BackofficeDeps } from "./context.js";
import type { BackofficeDatabase } from "./storage/backoffice.table.js";

/** What wiring needs. */
export interface BackofficeWiring {
  readonly db: Kysely<BackofficeDatabase>;
  readonly identityUrl: string;
  readonly ledgerUrl: string;
  readonly riskUrl: string;
  readonly notificationUrl: string;
  /** Identity's JWK Set URL; default `<identityUrl>/.well-known/jwks.json`. */
  readonly jwksUrl?: string;
  readonly issuer: string;
  readonly audience: string;
  /** This process's internal-auth client interceptor (signs every call as "backoffice"). */
  readonly internalAuth: Interceptor;
  readonly redis: Redis;
  /** Identity's revoked-session list; default prefix `wallet:`, cache 1 s. */
  readonly revocation?: { readonly keyPrefix: string; readonly cacheMs: number };
  readonly registry?: Registry;
  readonly logger: Logger;
  readonly settings: BackofficeSettings;
  readonly clock?: () => Date;
}

/** Signed upstream clients whose refusals pass through (server faults become a bare Internal). */
export function createBackofficeDeps(w: BackofficeWiring): BackofficeDeps {
  const options = { internalAuth: w.internalAuth, defaultTimeoutMs: w.settings.upstreamTimeoutMs };
  const self = "the backoffice";
  return {
    db: w.db,
    identity: translateErrors(createServiceClient(IdentityService, { baseUrl: w.identityUrl, ...options }), "identity", self),
    ledger: translateErrors(createServiceClient(LedgerService, { baseUrl: w.ledgerUrl, ...options }), "ledger", self),
    risk: translateErrors(createServiceClient(RiskService, { baseUrl: w.riskUrl, ...options }), "risk", self),
    notification: translateErrors(createServiceClient(NotificationService, { baseUrl: w.notificationUrl, ...options }), "notification", self),
    ...createForwardedTokenChecks({
      identityUrl: w.identityUrl,
      ...(w.jwksUrl ? { jwksUrl: w.jwksUrl } : {}),
      issuer: w.issuer,
      audience: w.audience,
      redis: w.redis,
      ...(w.revocation ? { revocation: w.revocation } : {}),
      ...(w.registry ? { registry: w.registry } : {}),
    }),
    logger: w.logger,
    clock: w.clock ?? (() => new Date()),
    settings: w.settings,
  };
}
