/** The protections' environment: defaults, and values refused at start-up. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { protectionsConfigShape, protectionsSettings, type ProtectionsConfig } from "../src/protections/config.js";

const parse = (env: Record<string, string>) => z.object(protectionsConfigShape).safeParse(env);
const LOCAL = { identityUrl: "http://127.0.0.1:8081" };

test("the URL limit defaults to 8 KiB", () => {
  const config = parse({});
  assert.ok(config.success);
  assert.equal(protectionsSettings({ NODE_ENV: "test", ...config.data } as ProtectionsConfig, LOCAL).hygiene.maxUrlBytes, 8 * 1024);
});

test("without IDENTITY_JWKS_URL, tokens are checked against the key set of the identity the edge calls", () => {
  const config = parse({});
  assert.ok(config.success);
  const settings = protectionsSettings({ NODE_ENV: "test", ...config.data } as ProtectionsConfig, { identityUrl: "http://identity.wallet.svc:8081/" });
  assert.equal(settings.jwks.url, "http://identity.wallet.svc:8081/.well-known/jwks.json");
});

test("IDENTITY_JWKS_URL, when set, names the key set whatever IDENTITY_URL is", () => {
  const config = parse({ IDENTITY_JWKS_URL: "https://keys.example.net/jwks.json" });
  assert.ok(config.success);
  assert.equal(protectionsSettings({ NODE_ENV: "test", ...config.data } as ProtectionsConfig, LOCAL).jwks.url, "https://keys.example.net/jwks.json");
});

test("a URL limit that is not a positive integer is refused at start-up, naming the variable", () => {
  for (const value of ["0", "-1", "8k", ""]) {
    const config = parse({ GATEWAY_MAX_URL_BYTES: value });
    assert.equal(config.success, false, value);
    assert.deepEqual(config.error.issues[0]?.path, ["GATEWAY_MAX_URL_BYTES"], value);
  }
});
