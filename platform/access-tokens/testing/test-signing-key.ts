import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_TYPE } from "../claims.js";

/** An ES256 key pair standing in for one of identity's signing keys. */
export interface TestSigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** The public half as identity publishes it in its JWKS (`kid`, `alg`, `use`). */
  readonly publicJwk: JWK;
}

/** A fresh ES256 signing key named `kid`. */
export async function createTestSigningKey(kid: string = randomUUID()): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(ACCESS_TOKEN_ALGORITHM, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ACCESS_TOKEN_ALGORITHM, use: "sig" };
  return { kid, privateKey, publicJwk };
}

/** Options for {@link signTestAccessToken}. */
export interface TestAccessTokenOptions {
  readonly issuer: string;
  readonly audience: string | string[];
  /** Claims set over (or, when `undefined`, removed from) the defaults. */
  readonly claims?: Record<string, unknown>;
  /** Header parameters over the defaults (`alg` ES256, `kid`, `typ` at+jwt). */
  readonly header?: Record<string, unknown>;
  /** Issue time; default now. `exp` defaults to five minutes later. */
  readonly issuedAt?: Date;
}

/**
 * An access token as identity would issue it (every claim of
 * `AccessTokenClaims`, a customer with a password login), signed with `key`;
 * `claims` and `header` bend it for refusal tests.
 */
export async function signTestAccessToken(key: TestSigningKey, options: TestAccessTokenOptions): Promise<string> {
  const iat = Math.floor((options.issuedAt ?? new Date()).getTime() / 1000);
  const claims: Record<string, unknown> = {
    iss: options.issuer,
    aud: options.audience,
    sub: randomUUID(),
    sid: randomUUID(),
    device_id: randomUUID(),
    amr: ["pwd"],
    auth_time: iat,
    roles: [],
    jti: randomUUID(),
    iat,
    nbf: iat,
    exp: iat + 300,
  };
  for (const [name, value] of Object.entries(options.claims ?? {})) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return new SignJWT(claims as JWTPayload)
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid: key.kid, typ: ACCESS_TOKEN_TYPE, ...options.header } as { alg: string })
    .sign(key.privateKey);
}
