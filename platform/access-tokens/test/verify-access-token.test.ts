import assert from "node:assert/strict";
import { createHmac, createPublicKey } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { SignJWT, type JWK } from "jose";
import {
  AccessTokenError,
  createAccessTokenVerifier,
  MFA_CHALLENGE_TOKEN_TYPE,
  type AccessTokenErrorReason,
  type AccessTokenVerifier,
} from "../index.js";
import { createTestSigningKey, signTestAccessToken, startTestJwksServer, type TestJwksServer, type TestSigningKey } from "../testing/index.js";

const ISSUER = "https://identity.wallet.test";
const AUDIENCE = "wallet-api";

const b64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

/** A compact JWS with any header, claims and signature bytes. */
function compact(header: object, claims: object, sign: (input: string) => string): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${sign(input)}`;
}

/** Claims that would pass every check, for hand-built tokens. */
function validClaims(): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, aud: AUDIENCE, sub: "user-1", sid: "session-1", amr: ["pwd"], auth_time: now, jti: "jti-1", iat: now, exp: now + 300 };
}

/** Asserts that verification is refused with `reason`. */
async function assertRefused(verifier: AccessTokenVerifier, token: string, reason: AccessTokenErrorReason): Promise<void> {
  await assert.rejects(verifier.verify(token), (err: unknown) => {
    assert.ok(err instanceof AccessTokenError, `an AccessTokenError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    return true;
  });
}

describe("an access-token verifier reading identity's JWKS over HTTP", () => {
  let key: TestSigningKey;
  let published: JWK[];
  let jwks: TestJwksServer;
  let verifier: AccessTokenVerifier;
  const sign = (options: { claims?: Record<string, unknown>; header?: Record<string, unknown>; issuedAt?: Date } = {}, by = key) =>
    signTestAccessToken(by, { issuer: ISSUER, audience: AUDIENCE, ...options });

  before(async () => {
    key = await createTestSigningKey("key-1");
    published = [key.publicJwk];
    jwks = await startTestJwksServer(() => ({ keys: published }));
    verifier = createAccessTokenVerifier({ jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, cooldownMs: 0 });
  });
  after(() => jwks.close());

  test("accepts a well-formed token and returns all its claims", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await sign({
      claims: { sub: "user-42", sid: "session-7", device_id: "device-3", amr: ["pwd", "otp", "mfa"], auth_time: now - 5, roles: ["support"], jti: "token-9" },
    });
    const claims = await verifier.verify(token);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, AUDIENCE);
    assert.equal(claims.sub, "user-42");
    assert.equal(claims.sid, "session-7");
    assert.equal(claims.device_id, "device-3");
    assert.deepEqual(claims.amr, ["pwd", "otp", "mfa"]);
    assert.equal(claims.auth_time, now - 5);
    assert.deepEqual(claims.roles, ["support"]);
    assert.equal(claims.jti, "token-9");
    assert.equal(typeof claims.iat, "number");
    assert.equal(typeof claims.nbf, "number");
    assert.equal(claims.exp, claims.iat + 300);
  });

  test("refuses an unsigned token with alg none", async () => {
    const token = compact({ alg: "none", typ: "at+jwt", kid: key.kid }, validClaims(), () => "");
    await assertRefused(verifier, token, "algorithm");
  });

  test("refuses an HS256 token whose HMAC key is the public key's PEM (key confusion)", async () => {
    const pem = createPublicKey({ key: key.publicJwk as never, format: "jwk" }).export({ type: "spki", format: "pem" });
    const token = compact({ alg: "HS256", typ: "at+jwt", kid: key.kid }, validClaims(), (input) =>
      createHmac("sha256", pem).update(input).digest("base64url"),
    );
    await assertRefused(verifier, token, "algorithm");
  });

  test("refuses an HS256 token whose HMAC key is the public JWK as published", async () => {
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
    const token = await new SignJWT(validClaims()).setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: key.kid }).sign(secret);
    await assertRefused(verifier, token, "algorithm");
  });

  test("refuses a token whose exp has passed beyond the clock tolerance", async () => {
    const token = await sign({ issuedAt: new Date(Date.now() - 3_600_000) });
    await assertRefused(verifier, token, "expired");
  });

  test("accepts a token that expired less than the clock tolerance ago", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await sign({ claims: { exp: now - 5 } });
    assert.equal((await verifier.verify(token)).exp, now - 5);
  });

  test("refuses a token whose nbf is in the future", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await sign({ claims: { nbf: now + 600, exp: now + 900 } });
    await assertRefused(verifier, token, "not_yet_valid");
  });

  test("refuses a token issued in the future", async () => {
    const token = await sign({ issuedAt: new Date(Date.now() + 600_000), claims: { nbf: undefined } });
    await assertRefused(verifier, token, "not_yet_valid");
  });

  test("refuses a token for another audience", async () => {
    await assertRefused(verifier, await sign({ claims: { aud: "backoffice-api" } }), "audience");
  });

  test("refuses a token from another issuer", async () => {
    await assertRefused(verifier, await sign({ claims: { iss: "https://evil.example" } }), "issuer");
  });

  test("refuses an MFA-challenge token used as an access token", async () => {
    await assertRefused(verifier, await sign({ header: { typ: MFA_CHALLENGE_TOKEN_TYPE } }), "token_type");
  });

  test("refuses a token without a typ header", async () => {
    await assertRefused(verifier, await sign({ header: { typ: undefined } }), "token_type");
  });

  test("refuses an opaque refresh token used as an access token as malformed", async () => {
    await assertRefused(verifier, "rt_" + b64url(Buffer.alloc(32, 7)), "malformed");
  });

  test("refuses a token whose payload was altered after signing", async () => {
    const [header, , signature] = (await sign()).split(".");
    const forged = `${header}.${b64url(JSON.stringify({ ...validClaims(), roles: ["admin"] }))}.${signature}`;
    await assertRefused(verifier, forged, "signature");
  });

  test("refuses a token signed by another key that claims a published kid", async () => {
    const impostor = await createTestSigningKey(key.kid);
    await assertRefused(verifier, await sign({}, impostor), "signature");
  });

  test("refuses a token naming no kid", async () => {
    await assertRefused(verifier, await sign({ header: { kid: undefined } }), "unknown_key");
  });

  test("refuses a token without a session id", async () => {
    await assertRefused(verifier, await sign({ claims: { sid: undefined } }), "claims");
  });

  test("refuses a token whose amr is not an array of known methods", async () => {
    await assertRefused(verifier, await sign({ claims: { amr: "pwd" } }), "claims");
  });

  test("refuses a token whose auth_time is not a number", async () => {
    await assertRefused(verifier, await sign({ claims: { auth_time: "yesterday" } }), "claims");
  });

  test("refuses a token without a jti", async () => {
    await assertRefused(verifier, await sign({ claims: { jti: undefined } }), "claims");
  });

  test("refuses a token with a role identity does not grant", async () => {
    await assertRefused(verifier, await sign({ claims: { roles: ["root"] } }), "claims");
  });

  test("accepts a token carrying every staff role identity grants, approver included", async () => {
    const claims = await verifier.verify(await sign({ claims: { roles: ["admin", "support", "risk_analyst", "finance", "approver"] } }));
    assert.deepEqual(claims.roles, ["admin", "support", "risk_analyst", "finance", "approver"]);
  });
});

describe("key rotation seen by a verifier with a cached JWKS", () => {
  test("a token signed by a new kid makes the verifier refetch the key set and verify it", async (t) => {
    const oldKey = await createTestSigningKey("old");
    let published = [oldKey.publicJwk];
    const jwks = await startTestJwksServer(() => ({ keys: published }));
    t.after(() => jwks.close());
    const verifier = createAccessTokenVerifier({ jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, cooldownMs: 0 });
    await verifier.verify(await signTestAccessToken(oldKey, { issuer: ISSUER, audience: AUDIENCE }));
    assert.equal(jwks.fetches, 1);

    const newKey = await createTestSigningKey("new");
    published = [oldKey.publicJwk, newKey.publicJwk];
    const claims = await verifier.verify(await signTestAccessToken(newKey, { issuer: ISSUER, audience: AUDIENCE, claims: { sub: "rotated" } }));
    assert.equal(claims.sub, "rotated");
    assert.equal(jwks.fetches, 2);
  });

  test("a token signed by a key retired after the overlap is refused as unknown_key once the set is refetched", async (t) => {
    const oldKey = await createTestSigningKey("old");
    const newKey = await createTestSigningKey("new");
    let published = [oldKey.publicJwk, newKey.publicJwk];
    const jwks = await startTestJwksServer(() => ({ keys: published }));
    t.after(() => jwks.close());
    const verifier = createAccessTokenVerifier({ jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, cooldownMs: 0 });
    const oldToken = await signTestAccessToken(oldKey, { issuer: ISSUER, audience: AUDIENCE });
    await verifier.verify(oldToken); // during the overlap

    // After the overlap identity publishes only current keys; the next rotation makes verifiers refetch.
    const newerKey = await createTestSigningKey("newer");
    published = [newKey.publicJwk, newerKey.publicJwk];
    await verifier.verify(await signTestAccessToken(newerKey, { issuer: ISSUER, audience: AUDIENCE }));
    await assertRefused(verifier, oldToken, "unknown_key");
  });

  test("an unknown kid during the cooldown is refused without fetching the key set again", async (t) => {
    const key = await createTestSigningKey("only");
    const jwks = await startTestJwksServer(() => ({ keys: [key.publicJwk] }));
    t.after(() => jwks.close());
    const verifier = createAccessTokenVerifier({ jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, cooldownMs: 3_600_000 });
    await verifier.verify(await signTestAccessToken(key, { issuer: ISSUER, audience: AUDIENCE }));
    const stranger = await createTestSigningKey("stranger");
    for (let i = 0; i < 3; i++) {
      await assertRefused(verifier, await signTestAccessToken(stranger, { issuer: ISSUER, audience: AUDIENCE }), "unknown_key");
    }
    assert.equal(jwks.fetches, 1);
  });

  test("an unreachable JWKS endpoint is reported as keys_unavailable, not as a bad token", async () => {
    const key = await createTestSigningKey();
    const jwks = await startTestJwksServer(() => ({ keys: [key.publicJwk] }));
    const url = jwks.url;
    await jwks.close();
    const verifier = createAccessTokenVerifier({ jwksUrl: url, issuer: ISSUER, audience: AUDIENCE });
    await assertRefused(verifier, await signTestAccessToken(key, { issuer: ISSUER, audience: AUDIENCE }), "keys_unavailable");
  });
});

describe("an access-token verifier with a local key set", () => {
  test("verifies a token against the key set its getter returns", async () => {
    const key = await createTestSigningKey();
    const verifier = createAccessTokenVerifier({ jwks: () => ({ keys: [key.publicJwk] }), issuer: ISSUER, audience: AUDIENCE });
    const claims = await verifier.verify(await signTestAccessToken(key, { issuer: ISSUER, audience: AUDIENCE, claims: { sub: "local" } }));
    assert.equal(claims.sub, "local");
  });

  test("refuses a token once its key leaves the key set", async () => {
    const key = await createTestSigningKey("leaving");
    const other = await createTestSigningKey("staying");
    let set = { keys: [key.publicJwk, other.publicJwk] };
    const verifier = createAccessTokenVerifier({ jwks: () => set, issuer: ISSUER, audience: AUDIENCE });
    const token = await signTestAccessToken(key, { issuer: ISSUER, audience: AUDIENCE });
    await verifier.verify(token);
    set = { keys: [other.publicJwk] };
    await assertRefused(verifier, token, "unknown_key");
  });

  test("refuses to be built with both a JWKS URL and a local key set", () => {
    assert.throws(
      () => createAccessTokenVerifier({ jwksUrl: "http://127.0.0.1/jwks", jwks: () => ({ keys: [] }), issuer: ISSUER, audience: AUDIENCE }),
      /exactly one of jwksUrl and jwks/,
    );
  });
});
