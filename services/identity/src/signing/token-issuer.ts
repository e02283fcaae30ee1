/**
 * Signs identity's JWTs with the active key (ES256, header kid) and verifies
 * them: access tokens (typ "at+jwt", claims of platform/access-tokens/claims.ts)
 * and MFA challenge tokens (typ "mfa-challenge+jwt", audience = the issuer's
 * MFA endpoint, so no API accepts one as an access token).
 */
import { randomUUID } from "node:crypto";
import { decodeProtectedHeader, jwtVerify, SignJWT, type JSONWebKeySet, type JWTPayload } from "jose";
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_TYPE,
  MFA_CHALLENGE_TOKEN_TYPE,
  type AccessTokenClaims,
  type AuthenticationMethod,
  type StaffRole,
} from "#platform/access-tokens/claims.js";
import type { KeyStore } from "./key-store.js";
import { AccessTokenError, createAccessTokenVerifier } from "#platform/access-tokens/index.js";

/** The published keys as a JWK set, the same object while the kids are unchanged (the verifier caches per object). */
function publishedKeySet(keys: KeyStore): () => Promise<JSONWebKeySet> {
  let lastKids = "";
  let lastSet: JSONWebKeySet = { keys: [] };
  return async () => {
    const current = await keys.jwks();
    const kids = current.map((k) => k.kid).join(",");
    if (kids !== lastKids) {
      lastKids = kids;
      lastSet = { keys: current as JSONWebKeySet["keys"] };
    }
    return lastSet;
  };
}

/** What goes into an access token. */
export interface AccessTokenInput {
  readonly userId: string;
  readonly sessionId: string;
  readonly deviceId: string;
  readonly amr: readonly string[];
  readonly authTime: Date;
  readonly roles: readonly StaffRole[];
}

/** A signed access token. */
export interface IssuedAccessToken {
  readonly token: string;
  /** Lifetime in seconds. */
  readonly expiresIn: number;
  readonly expiresAt: Date;
}

/** Issuer settings. */
export interface TokenIssuerOptions {
  readonly keys: KeyStore;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlMs: number;
  readonly clock: () => Date;
}

/** Signs and verifies identity's tokens. */
export interface TokenIssuer {
  issueAccessToken(input: AccessTokenInput): Promise<IssuedAccessToken>;
  /** Signs an MFA challenge token naming the challenge row (`jti`) and user. */
  issueMfaChallenge(challengeId: string, userId: string, expiresAt: Date): Promise<string>;
  /** The challenge id and user of a valid MFA challenge token, or undefined. */
  verifyMfaChallenge(token: string): Promise<{ challengeId: string; userId: string } | undefined>;
  /** The claims of a valid access token, or undefined for any invalid one. */
  verifyAccessToken(token: string): Promise<AccessTokenClaims | undefined>;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** A token issuer over the key store. */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const { keys, issuer, audience, accessTokenTtlMs, clock } = options;
  const mfaAudience = `${issuer}#mfa-challenge`;
  const accessTokens = createAccessTokenVerifier({ jwks: publishedKeySet(keys), issuer, audience, now: clock });

  const verify = async (token: string, typ: string, aud: string): Promise<JWTPayload | undefined> => {
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== ACCESS_TOKEN_ALGORITHM || typeof header.kid !== "string") return undefined;
      const key = await keys.verificationKey(header.kid);
      if (!key) return undefined;
      const { payload } = await jwtVerify(token, key, {
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        typ,
        issuer,
        audience: aud,
        currentDate: clock(),
        requiredClaims: ["sub", "exp", "iat", "jti"],
      });
      return payload;
    } catch {
      return undefined;
    }
  };

  return {
    async issueAccessToken(input) {
      const { kid, privateKey } = await keys.signingKey();
      const now = clock();
      const expiresAt = new Date(now.getTime() + accessTokenTtlMs);
      const token = await new SignJWT({
        sid: input.sessionId,
        device_id: input.deviceId,
        amr: [...input.amr],
        auth_time: seconds(input.authTime),
        roles: [...input.roles],
      })
        .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(input.userId)
        .setJti(randomUUID())
        .setIssuedAt(seconds(now))
        .setNotBefore(seconds(now))
        .setExpirationTime(seconds(expiresAt))
        .sign(privateKey);
      return { token, expiresIn: Math.round(accessTokenTtlMs / 1000), expiresAt };
    },

    async issueMfaChallenge(challengeId, userId, expiresAt) {
      const { kid, privateKey } = await keys.signingKey();
      const now = clock();
      return new SignJWT({})
        .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid, typ: MFA_CHALLENGE_TOKEN_TYPE })
        .setIssuer(issuer)
        .setAudience(mfaAudience)
        .setSubject(userId)
        .setJti(challengeId)
        .setIssuedAt(seconds(now))
        .setNotBefore(seconds(now))
        .setExpirationTime(seconds(expiresAt))
        .sign(privateKey);
    },

    async verifyMfaChallenge(token) {
      const payload = await verify(token, MFA_CHALLENGE_TOKEN_TYPE, mfaAudience);
      return payload ? { challengeId: payload.jti!, userId: payload.sub! } : undefined;
    },

    async verifyAccessToken(token) {
      // The same verifier every other process uses, over identity's own key table.
      try {
        return await accessTokens.verify(token);
      } catch (err) {
        if (!(err instanceof AccessTokenError) || err.reason === "keys_unavailable") throw err;
        // A key another replica created since our last reload: reload once and try again.
        const kid = err.reason === "unknown_key" ? decodeProtectedHeader(token).kid : undefined;
        if (kid && (await keys.verificationKey(kid))) return accessTokens.verify(token).catch(() => undefined);
        return undefined;
      }
    },
  };
}
