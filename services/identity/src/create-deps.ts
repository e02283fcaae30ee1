/** Wires identity's dependencies from its settings and connections (entry point and tests). */
import { readFileSync } from "node:fs";
import type { Redis } from "ioredis";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { createRevokedSessionRecorder } from "#platform/access-tokens/index.js";
import type { IdentityDeps, IdentitySettings } from "./context.js";
import { createSecretBox } from "./crypto/key-encryption.js";
import { createPasswordHasher } from "./crypto/password-hasher.js";
import { parsePasswordList } from "./domain/password-policy.js";
import { createKeyStore } from "./signing/key-store.js";
import { createTokenIssuer } from "./signing/token-issuer.js";
import type { IdentityDatabase } from "./storage/identity.table.js";
import { createLoginThrottle } from "./storage/login-throttle.js";

/** The shipped list of common passwords, read once. */
let commonPasswords: Set<string> | undefined;
export function loadCommonPasswords(): Set<string> {
  return (commonPasswords ??= parsePasswordList(readFileSync(new URL("./domain/common-passwords.txt", import.meta.url), "utf8")));
}

/** What wiring needs. */
export interface IdentityWiring {
  readonly db: Kysely<IdentityDatabase>;
  readonly redis: Redis;
  readonly logger: Logger;
  readonly settings: IdentitySettings;
  readonly keyEncryptionSecret: string;
  readonly clock?: () => Date;
}

/** Identity's dependencies. */
export function createIdentityDeps(w: IdentityWiring): IdentityDeps {
  const clock = w.clock ?? (() => new Date());
  const box = createSecretBox(w.keyEncryptionSecret);
  const keys = createKeyStore({ db: w.db, box, clock, cacheTtlMs: w.settings.keyCacheTtlMs });
  return {
    db: w.db,
    logger: w.logger,
    clock,
    config: w.settings,
    hasher: createPasswordHasher(w.settings.argon2),
    passwordPolicy: { maxLength: w.settings.passwordMaxLength, commonPasswords: loadCommonPasswords() },
    box,
    keys,
    tokens: createTokenIssuer({ keys, issuer: w.settings.issuer, audience: w.settings.audience, accessTokenTtlMs: w.settings.accessTokenTtlMs, clock }),
    revokedSessions: createRevokedSessionRecorder({ redis: w.redis, ...w.settings.revokedSessions }),
    throttle: createLoginThrottle({ redis: w.redis, prefix: w.settings.redisPrefix, clock, account: w.settings.throttle.account, ip: w.settings.throttle.ip }),
  };
}
