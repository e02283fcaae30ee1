import assert from "node:assert/strict";
import { test } from "node:test";
import { audienceKey } from "../audience.js";
import { internalAuthConfigSchema, internalAuthSettings, parseCallerKeys, parseKeyList } from "../config.js";
import { assertInternalAuthModeAllowed } from "../mode.js";

const secret = (c: string) => c.repeat(32);

test("accepted keys parse from a JSON object and from an id:secret list", () => {
  assert.deepEqual(parseKeyList(`{"k1":"${secret("a")}"}`), { k1: secret("a") });
  assert.deepEqual(parseKeyList(`k1:${secret("a")}, k2:${secret("b")}`), { k1: secret("a"), k2: secret("b") });
});

test("caller keys parse from a JSON object of callers, each with its keys by id", () => {
  assert.deepEqual(parseCallerKeys(`{"ledger":{"k1":"${secret("a")}","k2":"${secret("b")}"},"mobile-bff":{"k1":"${secret("c")}"}}`), {
    ledger: { k1: secret("a"), k2: secret("b") },
    "mobile-bff": { k1: secret("c") },
  });
  assert.deepEqual(parseCallerKeys(""), {});
  assert.throws(() => parseCallerKeys(`{"ledger":"${secret("a")}"}`), /keys of caller "ledger" must be a JSON object/);
  assert.throws(() => parseCallerKeys(`ledger:${secret("a")}`), /expected a JSON object/);
});

test("a short secret in INTERNAL_AUTH_CALLER_KEYS is a config error naming the key and its caller", () => {
  const result = internalAuthConfigSchema.safeParse({ INTERNAL_AUTH_CALLER_KEYS: '{"ledger":{"k1":"short"}}' });
  assert.equal(result.success, false);
  assert.match(result.error!.issues[0]!.message, /key "k1" of caller "ledger" must be .* at least 32/);
  assert.deepEqual(result.error!.issues[0]!.path, ["INTERNAL_AUTH_CALLER_KEYS"]);
});

test("INTERNAL_AUTH_KEYS (keys valid for any caller) is refused, pointing at INTERNAL_AUTH_CALLER_KEYS", () => {
  const config = internalAuthConfigSchema.parse({ INTERNAL_AUTH_SECRET: secret("a"), INTERNAL_AUTH_KEYS: `k1:${secret("b")}` });
  assert.throws(() => internalAuthSettings(config, "ledger"), /INTERNAL_AUTH_KEYS is no longer read.*INTERNAL_AUTH_CALLER_KEYS/);
  assert.doesNotThrow(() => internalAuthSettings(internalAuthConfigSchema.parse({ INTERNAL_AUTH_SECRET: secret("a"), INTERNAL_AUTH_KEYS: "" }), "ledger"));
});

test("hmac mode without INTERNAL_AUTH_SECRET fails naming the variable", () => {
  const config = internalAuthConfigSchema.parse({});
  assert.throws(() => internalAuthSettings(config), /INTERNAL_AUTH_SECRET is required/);
});

test("a server accepts each caller's listed keys, and its own key for itself under its own caller id only", () => {
  const config = internalAuthConfigSchema.parse({
    INTERNAL_AUTH_KEY_ID: "k2",
    INTERNAL_AUTH_SECRET: secret("b"),
    INTERNAL_AUTH_CALLER_KEYS: `{"ledger":{"k1":"${secret("a")}"},"mobile-bff":{"k1":"${secret("c")}"}}`,
  });
  assert.deepEqual(internalAuthSettings(config, "ledger").callerKeys, {
    ledger: { k1: secret("a"), k2: audienceKey(secret("b"), "ledger") },
    "mobile-bff": { k1: secret("c") },
  });
});

test("the own caller's entry listing the signing key id with a key other than its secret's for itself is refused", () => {
  const config = internalAuthConfigSchema.parse({
    INTERNAL_AUTH_KEY_ID: "k1",
    INTERNAL_AUTH_SECRET: secret("b"),
    INTERNAL_AUTH_CALLER_KEYS: `{"ledger":{"k1":"${secret("a")}"}}`,
  });
  assert.throws(() => internalAuthSettings(config, "ledger"), /lists key "k1" of caller "ledger" with a key other than INTERNAL_AUTH_SECRET's/);
  assert.doesNotThrow(() => internalAuthSettings(config, "risk"), "another caller's k1 is another key");
});

test("INTERNAL_AUTH_MODE=off is refused in production only", () => {
  assert.throws(() => assertInternalAuthModeAllowed("off", { NODE_ENV: "production" }), /INTERNAL_AUTH_MODE=off/);
  assert.doesNotThrow(() => assertInternalAuthModeAllowed("off", { NODE_ENV: "development" }));
});
