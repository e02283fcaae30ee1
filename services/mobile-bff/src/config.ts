import { z } from "zod";
import { sessionRevocationConfigShape } from "#platform/access-tokens/index.js";
import { durationMs, httpUrl, text } from "#platform/config/index.js";
import type { BffSettings } from "./context.js";

/** Upstream defaults: the catalogue's ports on loopback (platform/mesh/catalogue.ts). */
const LOCAL_IDENTITY_URL = "http://127.0.0.1:8081";
const LOCAL_LEDGER_URL = "http://127.0.0.1:8082";
const LOCAL_NOTIFICATION_URL = "http://127.0.0.1:8084";

/** The BFF's own environment variables, merged into the mesh process config. */
export const bffConfigFields = {
  /** Identity's gRPC base URL. */
  IDENTITY_URL: httpUrl(LOCAL_IDENTITY_URL),
  /** The ledger's gRPC base URL. */
  LEDGER_URL: httpUrl(LOCAL_LEDGER_URL),
  /** The notification service's gRPC base URL. */
  NOTIFICATION_URL: httpUrl(LOCAL_NOTIFICATION_URL),
  /** Deadline of each upstream call (shortened to what is left of the caller's own deadline); default 3 s. */
  BFF_UPSTREAM_TIMEOUT: durationMs(3_000),
  /** `iss` expected in forwarded access tokens (identity's IDENTITY_ISSUER). */
  IDENTITY_ISSUER: httpUrl(LOCAL_IDENTITY_URL),
  /** `aud` expected in forwarded access tokens (identity's IDENTITY_AUDIENCE). */
  IDENTITY_AUDIENCE: text("wallet-api"),
  /** Identity's JWK Set; default `<IDENTITY_URL>/.well-known/jwks.json`. */
  IDENTITY_JWKS_URL: httpUrl().optional(),
  /** Identity's revoked-session list (SESSION_REVOCATION_REDIS_PREFIX) and how long an answer is reused (SESSION_REVOCATION_CACHE). */
  ...sessionRevocationConfigShape,
  /** Prefix of the BFF's Redis keys; a second mesh on the same Redis sets its own. */
  BFF_REDIS_PREFIX: text("mobile-bff:"),
  /** Feature flags answered by Bootstrap: `name:true,other:false` (a bare name means true). */
  BFF_FEATURE_FLAGS: z.string().default(""),
  /** Currency Bootstrap opens an account in when a user has none and Onboard's choice is unknown; default EUR. */
  BFF_DEFAULT_CURRENCY: text("EUR"),
  /** How long Onboard's chosen currency is remembered for Bootstrap to retry with; default 30 days. */
  BFF_ONBOARDING_MEMORY: durationMs(30 * 24 * 3_600_000),
};

/** The parsed fields of {@link bffConfigFields}. */
export type BffConfig = z.output<z.ZodObject<typeof bffConfigFields>>;

/**
 * Parses `name:true,other:false` (or `name` alone for true) into flags.
 * @throws Error naming BFF_FEATURE_FLAGS on a malformed entry.
 */
export function parseFeatureFlags(raw: string): Readonly<Record<string, boolean>> {
  const flags: Record<string, boolean> = {};
  for (const part of raw.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const match = /^([A-Za-z0-9_.-]+)(?::(true|false))?$/.exec(part);
    if (!match) throw new Error(`BFF_FEATURE_FLAGS: "${part}" is not name or name:true|false`);
    flags[match[1]!] = match[2] !== "false";
  }
  return Object.freeze(flags);
}

/** Settings from the parsed configuration. */
export function bffSettings(config: BffConfig): BffSettings {
  const currency = config.BFF_DEFAULT_CURRENCY;
  if (!/^[A-Z]{3}$/.test(currency)) throw new Error("BFF_DEFAULT_CURRENCY: expected a three-letter upper-case ISO-4217 code");
  return {
    upstreamTimeoutMs: config.BFF_UPSTREAM_TIMEOUT,
    featureFlags: parseFeatureFlags(config.BFF_FEATURE_FLAGS),
    defaultCurrency: currency,
    onboardingMemoryMs: config.BFF_ONBOARDING_MEMORY,
  };
}

/** Settings for tests: the defaults. */
export const defaultBffSettings: BffSettings = {
  upstreamTimeoutMs: 3_000,
  featureFlags: {},
  defaultCurrency: "EUR",
  onboardingMemoryMs: 30 * 24 * 3_600_000,
};
