import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import { bffConfigFields, bffSettings } from "./config.js";
import { createMobileBffDeps } from "./create-deps.js";
import { createMobileBffRoutes } from "./routes.js";

const runtime = createProcessRuntime("mobile-bff", { extraConfig: bffConfigFields });
let settings;
try {
  settings = bffSettings(runtime.config);
} catch (err) {
  console.error(`invalid configuration: ${(err as Error).message}`);
  process.exit(1);
}
const { config } = runtime;
const deps = createMobileBffDeps({
  identityUrl: config.IDENTITY_URL,
  ledgerUrl: config.LEDGER_URL,
  notificationUrl: config.NOTIFICATION_URL,
  jwksUrl: config.IDENTITY_JWKS_URL,
  issuer: config.IDENTITY_ISSUER,
  audience: config.IDENTITY_AUDIENCE,
  internalAuth: runtime.internalAuth.clientInterceptor,
  redis: runtime.redis,
  redisPrefix: config.BFF_REDIS_PREFIX,
  revocation: { keyPrefix: config.SESSION_REVOCATION_REDIS_PREFIX, cacheMs: config.SESSION_REVOCATION_CACHE },
  registry: runtime.metrics.registry,
  logger: runtime.logger,
  settings,
});
await serveProcess(runtime, createMobileBffRoutes(deps));
