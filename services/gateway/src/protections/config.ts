import { sessionRevocationConfigShape } from "#platform/access-tokens/index.js";
import { boolean, durationMs, envField, httpUrl, positiveInt, text } from "#platform/config/index.js";

/** A comma-separated list of proxy addresses or CIDRs (proxy-addr names such as "loopback" too). */
const proxyList = () =>
  envField(
    { expected: "a comma-separated list of proxy addresses, CIDRs or loopback/linklocal/uniquelocal" },
    (raw) => {
      const items = raw.split(",").map((item) => item.trim()).filter((item) => item !== "");
      return items.length > 0 && items.every((item) => /^[0-9A-Za-z.:/]+$/.test(item)) ? items : undefined;
    },
  ).optional();

/**
 * The gateway protections' environment, a zod shape fragment the gateway's
 * config merges (`extraConfig: { ...protectionsConfigShape, ... }`).
 */
export const protectionsConfigShape = {
  /** Identity's key set; cached, refetched on an unknown `kid`. Default: `/.well-known/jwks.json` on IDENTITY_URL, where identity serves it. */
  IDENTITY_JWKS_URL: httpUrl().optional(),
  /** Expected `iss` of access tokens (identity's IDENTITY_ISSUER). */
  IDENTITY_ISSUER: httpUrl("http://127.0.0.1:8081"),
  /** Expected `aud` of access tokens (identity's IDENTITY_AUDIENCE). */
  IDENTITY_AUDIENCE: text("wallet-api"),
  /** The revoked-session list identity writes (SESSION_REVOCATION_REDIS_PREFIX) and how long an answer is reused (SESSION_REVOCATION_CACHE). */
  ...sessionRevocationConfigShape,
  /** Transfers above this amount (minor units, any currency) need a recent second factor. */
  GATEWAY_STEP_UP_AMOUNT_MINOR: positiveInt(100_000),
  /** How recent that second factor must be. */
  GATEWAY_STEP_UP_MAX_AGE: durationMs(300_000),
  /** Refuse plain HTTP; default true when NODE_ENV=production. */
  GATEWAY_REQUIRE_HTTPS: boolean().optional(),
  /**
   * Proxies whose `X-Forwarded-For`/`X-Forwarded-Proto` are believed; default
   * none (or every hop when the core's GATEWAY_TRUST_PROXY=true).
   */
  GATEWAY_TRUSTED_PROXIES: proxyList(),
  /** Largest request body accepted. */
  GATEWAY_BODY_LIMIT_BYTES: positiveInt(64 * 1024),
  /** Largest total size of the request headers accepted. */
  GATEWAY_MAX_HEADER_BYTES: positiveInt(16 * 1024),
  /** Longest request URL (path and query) accepted; longer ones answer 414. */
  GATEWAY_MAX_URL_BYTES: positiveInt(8 * 1024),
  /** The window of every rate limit. */
  GATEWAY_RATE_LIMIT_WINDOW: durationMs(60_000),
  /** Requests per window per client IP, before authentication. */
  GATEWAY_RATE_LIMIT_PER_IP: positiveInt(300),
  /** Requests per window per authenticated user. */
  GATEWAY_RATE_LIMIT_PER_USER: positiveInt(120),
  /** Requests per window per IP (and per user) on sign-up, login, MFA, recovery and step-up routes. */
  GATEWAY_RATE_LIMIT_SENSITIVE: positiveInt(10),
  /** Prefix of the gateway's Redis keys (rate-limit counters); a second mesh on the same Redis sets its own. */
  GATEWAY_REDIS_PREFIX: text("gateway:"),
  /** Deadline of one upstream attempt. */
  GATEWAY_UPSTREAM_TIMEOUT: durationMs(5_000),
  /** Retries after the first attempt (idempotent or keyed calls only). */
  GATEWAY_UPSTREAM_MAX_RETRIES: positiveInt(2),
  /** Consecutive upstream failures that open a breaker. */
  GATEWAY_BREAKER_FAILURES: positiveInt(5),
  /** How long an open breaker fails fast before letting one probe through. */
  GATEWAY_BREAKER_HALF_OPEN_AFTER: durationMs(10_000),
};

/** The parsed fragment, as the config object carries it. */
export interface ProtectionsConfig {
  readonly NODE_ENV: string;
  readonly IDENTITY_JWKS_URL?: string;
  readonly IDENTITY_ISSUER: string;
  readonly IDENTITY_AUDIENCE: string;
  readonly SESSION_REVOCATION_REDIS_PREFIX: string;
  readonly SESSION_REVOCATION_CACHE: number;
  readonly GATEWAY_STEP_UP_AMOUNT_MINOR: number;
  readonly GATEWAY_STEP_UP_MAX_AGE: number;
  readonly GATEWAY_REQUIRE_HTTPS?: boolean | undefined;
  readonly GATEWAY_TRUSTED_PROXIES?: string[] | undefined;
  /** Trust every proxy hop (a flag the core's config may declare); GATEWAY_TRUSTED_PROXIES wins. */
  readonly GATEWAY_TRUST_PROXY?: boolean | undefined;
  readonly GATEWAY_BODY_LIMIT_BYTES: number;
  readonly GATEWAY_MAX_HEADER_BYTES: number;
  readonly GATEWAY_MAX_URL_BYTES: number;
  readonly GATEWAY_RATE_LIMIT_WINDOW: number;
  readonly GATEWAY_RATE_LIMIT_PER_IP: number;
  readonly GATEWAY_RATE_LIMIT_PER_USER: number;
  readonly GATEWAY_RATE_LIMIT_SENSITIVE: number;
  readonly GATEWAY_REDIS_PREFIX: string;
  readonly GATEWAY_UPSTREAM_TIMEOUT: number;
  readonly GATEWAY_UPSTREAM_MAX_RETRIES: number;
  readonly GATEWAY_BREAKER_FAILURES: number;
  readonly GATEWAY_BREAKER_HALF_OPEN_AFTER: number;
}

/** Rate-limit budgets per window. */
export interface RateLimitSettings {
  readonly windowSec: number;
  readonly perIp: number;
  readonly perUser: number;
  readonly sensitive: number;
}

/** Every protection's settings, derived once from the config. */
export interface ProtectionsSettings {
  readonly jwks: { readonly url: string; readonly issuer: string; readonly audience: string };
  /** The revoked-session list: identity's key prefix, and how long an answer is reused in this process. */
  readonly revocation: { readonly keyPrefix: string; readonly cacheMs: number };
  readonly stepUp: { readonly amountMinor: bigint; readonly maxAgeSec: number };
  readonly hygiene: {
    readonly requireHttps: boolean;
    /** fastify's `trustProxy`: false, true (every hop) or the proxies' addresses/CIDRs. */
    readonly trustProxy: boolean | readonly string[];
    readonly bodyLimitBytes: number;
    readonly maxHeaderBytes: number;
    readonly maxUrlBytes: number;
  };
  readonly rateLimits: RateLimitSettings;
  readonly upstream: {
    readonly timeoutMs: number;
    readonly maxRetries: number;
    readonly breakerFailures: number;
    readonly halfOpenAfterMs: number;
  };
}

/**
 * Settings from the parsed config: HTTPS required in production unless
 * GATEWAY_REQUIRE_HTTPS=false; identity's key set where `identityUrl` (the
 * edge's IDENTITY_URL) serves it unless IDENTITY_JWKS_URL says otherwise, so
 * an edge pointed at another identity checks tokens against that one's keys.
 */
export function protectionsSettings(config: ProtectionsConfig, upstreams: { readonly identityUrl: string }): ProtectionsSettings {
  return {
    jwks: {
      url: config.IDENTITY_JWKS_URL ?? `${upstreams.identityUrl.replace(/\/+$/, "")}/.well-known/jwks.json`,
      issuer: config.IDENTITY_ISSUER.replace(/\/+$/, ""),
      audience: config.IDENTITY_AUDIENCE,
    },
    revocation: { keyPrefix: config.SESSION_REVOCATION_REDIS_PREFIX, cacheMs: config.SESSION_REVOCATION_CACHE },
    stepUp: {
      amountMinor: BigInt(config.GATEWAY_STEP_UP_AMOUNT_MINOR),
      maxAgeSec: Math.max(1, Math.floor(config.GATEWAY_STEP_UP_MAX_AGE / 1000)),
    },
    hygiene: {
      requireHttps: config.GATEWAY_REQUIRE_HTTPS ?? config.NODE_ENV === "production",
      trustProxy: config.GATEWAY_TRUSTED_PROXIES ?? config.GATEWAY_TRUST_PROXY ?? false,
      bodyLimitBytes: config.GATEWAY_BODY_LIMIT_BYTES,
      maxHeaderBytes: config.GATEWAY_MAX_HEADER_BYTES,
      maxUrlBytes: config.GATEWAY_MAX_URL_BYTES,
    },
    rateLimits: {
      windowSec: Math.max(1, Math.ceil(config.GATEWAY_RATE_LIMIT_WINDOW / 1000)),
      perIp: config.GATEWAY_RATE_LIMIT_PER_IP,
      perUser: config.GATEWAY_RATE_LIMIT_PER_USER,
      sensitive: config.GATEWAY_RATE_LIMIT_SENSITIVE,
    },
    upstream: {
      timeoutMs: config.GATEWAY_UPSTREAM_TIMEOUT,
      maxRetries: config.GATEWAY_UPSTREAM_MAX_RETRIES,
      breakerFailures: config.GATEWAY_BREAKER_FAILURES,
      halfOpenAfterMs: config.GATEWAY_BREAKER_HALF_OPEN_AFTER,
    },
  };
}
