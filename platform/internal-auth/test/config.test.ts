import assert from "node:assert/strict";
import { test } from "node:test";
import { internalAuthConfigSchema, internalAuthSettings, parseKeyList } from "../config.js";
import { assertInternalAuthModeAllowed } from "../mode.js";

const secret = (c: string) => c.repeat(32);

test("accepted keys parse from a JSON object and from an id:secret list", () => {
  assert.deepEqual(parseKeyList(`{"k1":"${secret("a")}"}`), { k1: secret("a") });
  assert.deepEqual(parseKeyList(`k1:${secret("a")}, k2:${secret("b")}`), { k1: secret("a"), k2: secret("b") });
});

test("a short secret in INTERNAL_AUTH_KEYS is a config error naming the key", () => {
  const result = internalAuthConfigSchema.safeParse({ INTERNAL_AUTH_KEYS: "k1:short" });
  assert.equal(result.success, false);
  assert.match(result.error!.issues[0]!.message, /key "k1" must be .* at least 32/);
  assert.deepEqual(result.error!.issues[0]!.path, ["INTERNAL_AUTH_KEYS"]);
});

test("hmac mode without INTERNAL_AUTH_SECRET fails naming the variable", () => {
  const config = internalAuthConfigSchema.parse({});
  assert.throws(() => internalAuthSettings(config), /INTERNAL_AUTH_SECRET is required/);
});

test("a server accepts the signing key and the rotation keys", () => {
  const config = internalAuthConfigSchema.parse({
    INTERNAL_AUTH_KEY_ID: "k2",
    INTERNAL_AUTH_SECRET: secret("b"),
    INTERNAL_AUTH_KEYS: `k1:${secret("a")}`,
  });
  assert.deepEqual(internalAuthSettings(config).acceptedKeys, { k1: secret("a"), k2: secret("b") });
});

test("INTERNAL_AUTH_MODE=off is refused in production only", () => {
  assert.throws(() => assertInternalAuthModeAllowed("off", { NODE_ENV: "production" }), /INTERNAL_AUTH_MODE=off/);
  assert.doesNotThrow(() => assertInternalAuthModeAllowed("off", { NODE_ENV: "development" }));
});
