import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import { createAccessTokenVerifier, type AccessTokenVerifier } from "./create-access-token-verifier.js";
import { createRevokedSessionChecker, type RevokedSessionChecker } from "./revoked-session-checker.js";

/** Where a service behind the edge checks the access tokens the edge forwards. */
export interface ForwardedTokenChecksOptions {
  /** Identity's base URL; its JWK Set is `<identityUrl>/.well-known/jwks.json` unless `jwksUrl` says otherwise. */
  readonly identityUrl: string;
  readonly jwksUrl?: string;
  readonly issuer: string;
  readonly audience: string;
  readonly redis: Redis;
  /** Identity's revoked-session list; default prefix `wallet:`, answers reused for 1 s. */
  readonly revocation?: { readonly keyPrefix: string; readonly cacheMs: number };
  /** Where `session_revocation_checks_total` is registered. */
  readonly registry?: Registry;
}

/**
 * The two checks a service behind the edge makes on a forwarded access token
 * (the BFF and the backoffice): its signature and claims against identity's
 * key set, and whether its session is on identity's revoked-session list.
 */
export function createForwardedTokenChecks(options: ForwardedTokenChecksOptions): { tokens: AccessTokenVerifier; revokedSessions: RevokedSessionChecker } {
  return {
    tokens: createAccessTokenVerifier({
      jwksUrl: options.jwksUrl ?? new URL("/.well-known/jwks.json", options.identityUrl).toString(),
      issuer: options.issuer,
      audience: options.audience,
    }),
    revokedSessions: createRevokedSessionChecker({
      redis: options.redis,
      keyPrefix: options.revocation?.keyPrefix ?? "wallet:",
      cacheMs: options.revocation?.cacheMs ?? 1_000,
      ...(options.registry ? { registry: options.registry } : {}),
    }),
  };
}
