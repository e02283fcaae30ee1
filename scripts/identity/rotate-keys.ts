/**
 * `npm run identity:rotate-keys`: creates a new active ES256 signing key and
 * moves the current one to retiring: still published in the JWKS (so tokens
 * it signed keep verifying) for IDENTITY_KEY_OVERLAP (default 1 h, at least
 * the access-token TTL), never used to sign again, then retired. Retiring keys
 * whose overlap ended are marked retired. Running identity replicas pick the
 * new key up within IDENTITY_KEY_CACHE_TTL. Prints JSON; exits 2 when it
 * cannot run.
 *
 * Reads IDENTITY_DATABASE_URL (local default outside production),
 * IDENTITY_KEY_ENCRYPTION_SECRET (the development key outside production when
 * unset), IDENTITY_KEY_OVERLAP and IDENTITY_ACCESS_TOKEN_TTL.
 */
import { z } from "zod";
import type { Kysely } from "kysely";
import { loadConfig } from "#platform/config/index.js";
import { closeDb, createDb, resolveDatabaseUrl } from "#platform/db/index.js";
import { identityConfigFields, keyEncryptionSecret } from "../../services/identity/src/config.js";
import { createSecretBox } from "../../services/identity/src/crypto/key-encryption.js";
import { rotateSigningKeys } from "../../services/identity/src/signing/key-store.js";
import type { IdentityDatabase } from "../../services/identity/src/storage/identity.table.js";

async function main(): Promise<number> {
  const config = loadConfig(
    z.object({
      NODE_ENV: z.string().default("development"),
      IDENTITY_KEY_ENCRYPTION_SECRET: identityConfigFields.IDENTITY_KEY_ENCRYPTION_SECRET,
      IDENTITY_KEY_OVERLAP: identityConfigFields.IDENTITY_KEY_OVERLAP,
      IDENTITY_ACCESS_TOKEN_TTL: identityConfigFields.IDENTITY_ACCESS_TOKEN_TTL,
    }),
    process.env,
  );
  if (config.IDENTITY_KEY_OVERLAP < config.IDENTITY_ACCESS_TOKEN_TTL) {
    throw new Error("IDENTITY_KEY_OVERLAP must be at least IDENTITY_ACCESS_TOKEN_TTL, or tokens outlive their key");
  }
  const { url } = resolveDatabaseUrl("IDENTITY_DATABASE_URL");
  const db = createDb<IdentityDatabase>(url, { poolSize: 1, applicationName: "identity-rotate-keys" }) as Kysely<IdentityDatabase>;
  try {
    const now = new Date();
    const box = createSecretBox(keyEncryptionSecret(config));
    const result = await rotateSigningKeys(db, box, now, config.IDENTITY_KEY_OVERLAP);
    const retireAfter = new Date(now.getTime() + config.IDENTITY_KEY_OVERLAP);
    process.stdout.write(
      `${JSON.stringify({ activeKid: result.activeKid, retiringKid: result.retiringKid ?? null, retiringPublishedUntil: result.retiringKid ? retireAfter.toISOString() : null }, null, 2)}\n`,
    );
    return 0;
  } finally {
    await closeDb(db);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`identity:rotate-keys could not run: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
