import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";
import type { AddressInfo } from "node:net";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { rotateSigningKeys } from "../src/signing/key-store.js";
import { createWellKnownHandler } from "../src/transport/well-known.js";
import { loggedInUser, useIdentity } from "./support/identity-harness.js";

const identity = useIdentity();

test("identity's first key is created at start-up and stored encrypted", async () => {
  const h = await identity();
  const rows = await h.db.selectFrom("signing_keys").selectAll().execute();
  assert.equal(rows.filter((r) => r.state === "active").length, 1);
  assert.ok(!rows[0]!.private_key_ciphertext.toString("utf8").includes("PRIVATE KEY"), "the private key is not stored in clear");
  await h.deps.keys.ensureActiveKey();
  assert.equal((await h.db.selectFrom("signing_keys").select("kid").execute()).length, rows.length, "a second start-up adds no key");
});

test("rotation signs with the new key and keeps the retiring key in the JWKS until the overlap ends", async () => {
  const h = await identity();
  const before = await loggedInUser(h.client());
  const oldKid = decodeProtectedHeader(before.tokens.accessToken).kid!;
  const { activeKid, retiringKid } = await rotateSigningKeys(h.db, h.deps.box, h.clock(), h.deps.config.keyOverlapMs);
  assert.equal(retiringKid, oldKid);

  const after = await loggedInUser(h.client());
  assert.equal(decodeProtectedHeader(after.tokens.accessToken).kid, activeKid);
  assert.deepEqual((await h.client().getJwks({})).keys.map((k) => k.kid).sort(), [activeKid, oldKid].sort());
  assert.equal((await h.client().introspectToken({ token: before.tokens.accessToken })).active, true, "old tokens still verify during the overlap");

  h.clock.advance(h.deps.config.keyOverlapMs);
  assert.deepEqual((await h.client().getJwks({})).keys.map((k) => k.kid), [activeKid]);
  assert.equal((await h.client().introspectToken({ token: before.tokens.accessToken })).active, false, "a retired key verifies nothing");
});

test("/.well-known/jwks.json and /.well-known/openid-configuration answer over plain HTTP, and the JWKS verifies issued tokens", async () => {
  const h = await identity();
  const server = createServer(createWellKnownHandler({ keys: h.deps.keys, issuer: h.deps.config.issuer }) as Parameters<typeof createServer>[0] & {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const discovery = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(discovery.issuer, h.deps.config.issuer);
    assert.equal(discovery.jwks_uri, `${h.deps.config.issuer}/.well-known/jwks.json`);
    assert.deepEqual(discovery.id_token_signing_alg_values_supported, ["ES256"]);
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, string>> };
    assert.equal(jwks.keys[0]!.kty, "EC");
    assert.equal(jwks.keys[0]!.crv, "P-256");
    assert.equal(jwks.keys[0]!.alg, "ES256");
    assert.equal(jwks.keys[0]!.use, "sig");
    assert.equal(jwks.keys[0]!.d, undefined, "no private part");
    const { tokens } = await loggedInUser(h.client());
    await jwtVerify(tokens.accessToken, createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`)), {
      issuer: h.deps.config.issuer,
      audience: h.deps.config.audience,
      typ: "at+jwt",
      currentDate: h.clock(),
    });
    assert.equal((await fetch(`${base}/nothing`)).status, 404);
    assert.equal((await fetch(`${base}/.well-known/jwks.json`, { method: "POST" })).status, 405);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
