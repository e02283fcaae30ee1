import type { Kysely } from "kysely";
import { createProcessRuntime, serveProcess } from "#platform/runtime/index.js";
import { identityConfigFields, identitySettings, keyEncryptionSecret } from "./config.js";
import { createIdentityDeps } from "./create-deps.js";
import { createIdentityRoutes } from "./routes.js";
import type { IdentityDatabase } from "./storage/identity.table.js";
import { createWellKnownHandler } from "./transport/well-known.js";

const runtime = createProcessRuntime("identity", { extraConfig: identityConfigFields });
let settings, secret;
try {
  settings = identitySettings(runtime.config);
  secret = keyEncryptionSecret(runtime.config);
} catch (err) {
  console.error(`invalid configuration: ${(err as Error).message}`);
  process.exit(1);
}
if (secret === undefined || settings === undefined) process.exit(1);
if (!runtime.config.IDENTITY_KEY_ENCRYPTION_SECRET) {
  runtime.logger.warn("IDENTITY_KEY_ENCRYPTION_SECRET is not set: using the public development key (refused in production)");
}
const deps = createIdentityDeps({
  db: runtime.db as Kysely<IdentityDatabase>,
  redis: runtime.redis,
  logger: runtime.logger,
  settings,
  keyEncryptionSecret: secret,
});
// The first signing key is made here when none exists (several replicas agree under an advisory lock).
await deps.keys.ensureActiveKey();
await serveProcess(runtime, createIdentityRoutes(deps), {
  fallback: createWellKnownHandler({ keys: deps.keys, issuer: settings.issuer, onError: (err) => runtime.logger.error({ err }, "jwks unavailable") }),
});
