import { z } from "zod";
import { DEFAULT_CLOCK_TOLERANCE_SEC, sessionRevocationConfigShape } from "#platform/access-tokens/index.js";
import { durationMs, httpUrl, positiveInt, secret, text } from "#platform/config/index.js";
import { OWASP_ARGON2 } from "./crypto/password-hasher.js";
import type { IdentitySettings } from "./context.js";

const HOUR = 3_600_000;

/** Identity's own environment variables, merged into the mesh process config. */
export const identityConfigFields = {
  /** `iss` of every token and base of the discovery document. */
  IDENTITY_ISSUER: httpUrl("http://127.0.0.1:8081"),
  /** `aud` of access tokens. */
  IDENTITY_AUDIENCE: text("wallet-api"),
  /** Access-token lifetime; default 5 min. */
  IDENTITY_ACCESS_TOKEN_TTL: durationMs(5 * 60_000),
  /** A session not refreshed for this long ends; default 14 days. */
  IDENTITY_SESSION_IDLE_TIMEOUT: durationMs(14 * 24 * HOUR),
  /** A session ends this long after login whatever the activity; default 30 days. */
  IDENTITY_SESSION_ABSOLUTE_TIMEOUT: durationMs(30 * 24 * HOUR),
  /** How long a rotated refresh token still answers its successor (concurrent refreshes); default 5 s. */
  IDENTITY_REFRESH_GRACE: durationMs(5_000),
  /** MFA challenge lifetime; default 5 min. */
  IDENTITY_MFA_CHALLENGE_TTL: durationMs(5 * 60_000),
  /** A step-up stays fresh this long (DisableTotp, TrustDevice, ChangePassword...); default 5 min. */
  IDENTITY_STEP_UP_MAX_AGE: durationMs(5 * 60_000),
  /** A login stays "recent" this long (BeginTotpEnrollment); default 15 min. */
  IDENTITY_RECENT_LOGIN_MAX_AGE: durationMs(15 * 60_000),
  /** Email verification token lifetime; default 24 h. */
  IDENTITY_EMAIL_VERIFICATION_TTL: durationMs(24 * HOUR),
  /** Account recovery token lifetime; default 1 h. */
  IDENTITY_RECOVERY_TOKEN_TTL: durationMs(HOUR),
  /** Staff invitation (a recovery token) lifetime; default 72 h. */
  IDENTITY_STAFF_INVITATION_TTL: durationMs(72 * HOUR),
  /** How long a TOTP enrolment may stay unconfirmed; default 10 min. */
  IDENTITY_TOTP_ENROLLMENT_TTL: durationMs(10 * 60_000),
  /** Failed logins per email before the temporary lock; default 10. */
  IDENTITY_LOGIN_MAX_FAILURES: positiveInt(10),
  /** Failed logins per client IP before the temporary lock; default 100. */
  IDENTITY_LOGIN_IP_MAX_FAILURES: positiveInt(100),
  /** Failures (per email) before delays start; default 3. */
  IDENTITY_LOGIN_FREE_ATTEMPTS: positiveInt(3),
  /** Largest delay between attempts before the lock; default 30 s. */
  IDENTITY_LOGIN_MAX_DELAY: durationMs(30_000),
  /** Temporary lock duration; default 15 min. */
  IDENTITY_LOGIN_LOCK_DURATION: durationMs(15 * 60_000),
  /** Failures are forgotten this long after the first; default 15 min. */
  IDENTITY_LOGIN_FAILURE_WINDOW: durationMs(15 * 60_000),
  /** argon2id memory in KiB; default 19456 (OWASP). */
  IDENTITY_ARGON2_MEMORY_KIB: positiveInt(OWASP_ARGON2.memoryKib),
  /** argon2id passes; default 2 (OWASP). */
  IDENTITY_ARGON2_ITERATIONS: positiveInt(OWASP_ARGON2.iterations),
  /** argon2id lanes; default 1 (OWASP). */
  IDENTITY_ARGON2_PARALLELISM: positiveInt(OWASP_ARGON2.parallelism),
  /** Longest accepted password (≥ 64); default 128. */
  IDENTITY_PASSWORD_MAX_LENGTH: positiveInt(128),
  /** Encrypts signing keys and TOTP secrets at rest (AES-256-GCM); required in production. */
  IDENTITY_KEY_ENCRYPTION_SECRET: secret(32).optional(),
  /** How long a rotated-out key stays in the JWKS; default 1 h (≥ the access-token TTL). */
  IDENTITY_KEY_OVERLAP: durationMs(HOUR),
  /** How long the service reuses keys read from the database; default 10 s. */
  IDENTITY_KEY_CACHE_TTL: durationMs(10_000),
  /** Prefix of identity's Redis keys (throttling). */
  IDENTITY_REDIS_PREFIX: text("identity:"),
  /** Prefix of the revoked-session list identity writes and the edge and the BFF read (the same in all three). */
  SESSION_REVOCATION_REDIS_PREFIX: sessionRevocationConfigShape.SESSION_REVOCATION_REDIS_PREFIX,
};

/** The parsed variables. */
export type IdentityConfig = z.output<z.ZodObject<typeof identityConfigFields>>;

/**
 * Key used outside production when IDENTITY_KEY_ENCRYPTION_SECRET is unset,
 * so `npm start` works with no set-up. Public, hence refused in production.
 */
export const DEVELOPMENT_KEY_ENCRYPTION_SECRET = "wallet-mesh-identity-development-only-key-encryption-secret";

/** The encryption secret; stops with a configuration error in production when unset. */
export function keyEncryptionSecret(config: { IDENTITY_KEY_ENCRYPTION_SECRET?: string | undefined; NODE_ENV: string }): string {
  if (config.IDENTITY_KEY_ENCRYPTION_SECRET) return config.IDENTITY_KEY_ENCRYPTION_SECRET;
  if (config.NODE_ENV === "production") {
    throw new Error("IDENTITY_KEY_ENCRYPTION_SECRET is required in production: a secret of at least 32 characters");
  }
  return DEVELOPMENT_KEY_ENCRYPTION_SECRET;
}

/** Settings from the parsed configuration. */
export function identitySettings(config: IdentityConfig): IdentitySettings {
  if (config.IDENTITY_PASSWORD_MAX_LENGTH < 64) throw new Error("IDENTITY_PASSWORD_MAX_LENGTH must be at least 64");
  if (config.IDENTITY_KEY_OVERLAP < config.IDENTITY_ACCESS_TOKEN_TTL) {
    throw new Error("IDENTITY_KEY_OVERLAP must be at least IDENTITY_ACCESS_TOKEN_TTL, or tokens outlive their key");
  }
  return {
    issuer: config.IDENTITY_ISSUER.replace(/\/+$/, ""),
    audience: config.IDENTITY_AUDIENCE,
    accessTokenTtlMs: config.IDENTITY_ACCESS_TOKEN_TTL,
    session: { idleMs: config.IDENTITY_SESSION_IDLE_TIMEOUT, absoluteMs: config.IDENTITY_SESSION_ABSOLUTE_TIMEOUT },
    refreshGraceMs: config.IDENTITY_REFRESH_GRACE,
    mfaChallengeTtlMs: config.IDENTITY_MFA_CHALLENGE_TTL,
    freshness: { stepUpMaxAgeMs: config.IDENTITY_STEP_UP_MAX_AGE, recentLoginMaxAgeMs: config.IDENTITY_RECENT_LOGIN_MAX_AGE },
    emailVerificationTtlMs: config.IDENTITY_EMAIL_VERIFICATION_TTL,
    recoveryTokenTtlMs: config.IDENTITY_RECOVERY_TOKEN_TTL,
    staffInvitationTtlMs: config.IDENTITY_STAFF_INVITATION_TTL,
    totpEnrollmentTtlMs: config.IDENTITY_TOTP_ENROLLMENT_TTL,
    throttle: {
      account: {
        freeAttempts: config.IDENTITY_LOGIN_FREE_ATTEMPTS,
        lockAfter: config.IDENTITY_LOGIN_MAX_FAILURES,
        baseDelayMs: 1_000,
        maxDelayMs: config.IDENTITY_LOGIN_MAX_DELAY,
        lockMs: config.IDENTITY_LOGIN_LOCK_DURATION,
        windowMs: config.IDENTITY_LOGIN_FAILURE_WINDOW,
      },
      ip: {
        freeAttempts: Math.max(config.IDENTITY_LOGIN_FREE_ATTEMPTS, Math.floor(config.IDENTITY_LOGIN_IP_MAX_FAILURES / 2)),
        lockAfter: config.IDENTITY_LOGIN_IP_MAX_FAILURES,
        baseDelayMs: 1_000,
        maxDelayMs: config.IDENTITY_LOGIN_MAX_DELAY,
        lockMs: config.IDENTITY_LOGIN_LOCK_DURATION,
        windowMs: config.IDENTITY_LOGIN_FAILURE_WINDOW,
      },
    },
    argon2: {
      memoryKib: config.IDENTITY_ARGON2_MEMORY_KIB,
      iterations: config.IDENTITY_ARGON2_ITERATIONS,
      parallelism: config.IDENTITY_ARGON2_PARALLELISM,
    },
    passwordMaxLength: config.IDENTITY_PASSWORD_MAX_LENGTH,
    keyOverlapMs: config.IDENTITY_KEY_OVERLAP,
    keyCacheTtlMs: config.IDENTITY_KEY_CACHE_TTL,
    redisPrefix: config.IDENTITY_REDIS_PREFIX,
    revokedSessions: {
      keyPrefix: config.SESSION_REVOCATION_REDIS_PREFIX,
      // As long as an access token of the session can still pass a verifier: its lifetime plus the clock tolerance.
      ttlMs: config.IDENTITY_ACCESS_TOKEN_TTL + DEFAULT_CLOCK_TOLERANCE_SEC * 1000,
    },
  };
}
