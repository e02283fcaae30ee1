import type { Redis } from "ioredis";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { RevokedSessionRecorder } from "#platform/access-tokens/index.js";
import type { Argon2Params, PasswordHasher } from "./crypto/password-hasher.js";
import type { SecretBox } from "./crypto/key-encryption.js";
import type { PasswordPolicy } from "./domain/password-policy.js";
import type { SessionTimeouts } from "./domain/sessions.js";
import type { ThrottleLimits } from "./domain/throttle-policy.js";
import type { Freshness } from "./domain/users.js";
import type { KeyStore } from "./signing/key-store.js";
import type { TokenIssuer } from "./signing/token-issuer.js";
import type { IdentityDatabase } from "./storage/identity.table.js";
import type { LoginThrottle } from "./storage/login-throttle.js";

/** What identity's use cases depend on. */
export interface IdentityDeps {
  readonly db: Kysely<IdentityDatabase>;
  readonly logger: Logger;
  /** The current time: token times, timeouts, TOTP steps, throttling. */
  readonly clock: () => Date;
  readonly config: IdentitySettings;
  readonly hasher: PasswordHasher;
  readonly passwordPolicy: PasswordPolicy;
  readonly box: SecretBox;
  readonly keys: KeyStore;
  readonly tokens: TokenIssuer;
  readonly throttle: LoginThrottle;
  /** The revoked-session list in Redis, written for every session ended (`revokeWithEvents`). */
  readonly revokedSessions: RevokedSessionRecorder;
}

/** Identity's own settings (see config.ts). */
export interface IdentitySettings {
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlMs: number;
  readonly session: SessionTimeouts;
  readonly refreshGraceMs: number;
  readonly mfaChallengeTtlMs: number;
  readonly freshness: Freshness;
  readonly emailVerificationTtlMs: number;
  readonly recoveryTokenTtlMs: number;
  readonly staffInvitationTtlMs: number;
  readonly totpEnrollmentTtlMs: number;
  readonly throttle: { readonly account: ThrottleLimits; readonly ip: ThrottleLimits };
  readonly argon2: Argon2Params;
  readonly passwordMaxLength: number;
  readonly keyOverlapMs: number;
  readonly keyCacheTtlMs: number;
  readonly redisPrefix: string;
  /** Where and how long ended sessions are listed for the edge and the BFF. */
  readonly revokedSessions: { readonly keyPrefix: string; readonly ttlMs: number };
}

/** Re-exported for wiring. */
export type { Redis };
