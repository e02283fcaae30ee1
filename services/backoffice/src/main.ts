import type { Kysely } from "kysely";
import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import { backofficeConfigFields, backofficeSettings } from "./config.js";
import { createBackofficeDeps } from "./create-deps.js";
import { createBackofficeRoutes } from "./routes.js";
import type { BackofficeDatabase } from "./storage/backoffice.table.js";

const runtime = createProcessRuntime("backoffice", { extraConfig: backofficeConfigFields });
const { config } = runtime;
const deps = createBackofficeDeps({
  db: runtime.db as Kysely<BackofficeDatabase>,
  identityUrl: config.IDENTITY_URL,
  ledgerUrl: config.LEDGER_URL,
  riskUrl: config.RISK_URL,
  notificationUrl: config.NOTIFICATION_URL,
  jwksUrl: config.IDENTITY_JWKS_URL,
  issuer: config.IDENTITY_ISSUER,
  audience: config.IDENTITY_AUDIENCE,
  internalAuth: runtime.internalAuth.clientInterceptor,
  redis: runtime.redis,
  revocation: { keyPrefix: config.SESSION_REVOCATION_REDIS_PREFIX, cacheMs: config.SESSION_REVOCATION_CACHE },
  registry: runtime.metrics.registry,
  logger: runtime.logger,
  settings: backofficeSettings(config),
});
await serveProcess(runtime, createBackofficeRoutes(deps));
