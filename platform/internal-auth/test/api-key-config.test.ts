import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { ConfigError, readConfig } from "../../config/index.js";
import { createApiKeyVerifier, parseApiKeyList } from "../api-key.js";
import { internalAuthConfigSchema, internalAuthSettings } from "../config.js";

const key = (c: string) => c.repeat(32);
const schema = z.object(internalAuthConfigSchema.shape);

/** The message readConfig throws for `env`. */
function configError(env: Record<string, string>): string {
  try {
    readConfig(schema, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  return assert.fail("the configuration was accepted");
}

test("API keys parse from a callerId:key list, a caller listed twice keeping both keys", () => {
  assert.deepEqual(parseApiKeyList(`legacy:${key("a")}, legacy:${key("b")},batch:${key("c")}`), {
    legacy: [key("a"), key("b")],
    batch: [key("c")],
  });
});

test("API keys parse from a JSON object of keys or arrays of keys", () => {
  assert.deepEqual(parseApiKeyList(`{"legacy":"${key("a")}","batch":["${key("b")}","${key("c")}"]}`), {
    legacy: [key("a")],
    batch: [key("b"), key("c")],
  });
});

test("an API key shorter than 32 characters is refused naming its caller", () => {
  assert.throws(() => parseApiKeyList(`legacy:${"a".repeat(31)}`), /API key of caller "legacy" must be .* at least 32/);
});

test("one API key listed for two callers is refused", () => {
  assert.throws(() => parseApiKeyList(`legacy:${key("a")},batch:${key("a")}`), /listed twice/);
});

test("a malformed INTERNAL_API_KEYS stops the process without echoing any key", () => {
  const message = configError({ INTERNAL_AUTH_SECRET: key("s"), INTERNAL_API_KEYS: `legacy:${key("a")},batch:short-key` });
  assert.match(message, /INTERNAL_API_KEYS must be callerId:key/);
  assert.doesNotMatch(message, /aaaa|short-key/);
});

test("a short INTERNAL_API_KEY stops the process without echoing it", () => {
  const message = configError({ INTERNAL_AUTH_SECRET: key("s"), INTERNAL_API_KEY: "short-key" });
  assert.match(message, /INTERNAL_API_KEY must be a secret of at least 32 characters/);
  assert.doesNotMatch(message, /short-key/);
});

test("settings carry the accepted API keys and the key the client sends", () => {
  const config = internalAuthConfigSchema.parse({
    INTERNAL_AUTH_SECRET: key("s"),
    INTERNAL_API_KEYS: `legacy:${key("a")}`,
    INTERNAL_API_KEY: key("b"),
  });
  const settings = internalAuthSettings(config);
  assert.deepEqual(settings.apiKeys, { legacy: [key("a")] });
  assert.equal(settings.clientApiKey, key("b"));
});

test("the verifier maps a key to its caller and refuses a key differing only in its last character", () => {
  const verifier = createApiKeyVerifier({ legacy: [key("a")], batch: [key("b")] });
  assert.equal(verifier.match(key("b"))?.callerId, "batch");
  assert.equal(verifier.match(`${"a".repeat(31)}b`), undefined);
  assert.equal(verifier.match(""), undefined);
});

test("a short INTERNAL_AUTH_SECRET or INTERNAL_AUTH_CALLER_KEYS secret stops the process without echoing it", () => {
  const message = configError({ INTERNAL_AUTH_SECRET: "short-secret", INTERNAL_AUTH_CALLER_KEYS: '{"ledger":{"k1":"short-rotation-secret"}}' });
  assert.match(message, /INTERNAL_AUTH_SECRET must be a secret of at least 32 characters/);
  assert.match(message, /INTERNAL_AUTH_CALLER_KEYS must be a JSON object/);
  assert.doesNotMatch(message, /short-secret|short-rotation-secret/);
});
