import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { bffConfigFields, bffSettings, parseFeatureFlags } from "../src/config.js";

test("feature flags parse from name:true,name:false with bare names enabled", () => {
  assert.deepEqual(parseFeatureFlags(" cards:false, newStatement ,p2p:true"), { cards: false, newStatement: true, p2p: true });
});

test("a malformed feature flag entry is refused naming the variable", () => {
  assert.throws(() => parseFeatureFlags("cards:maybe"), /BFF_FEATURE_FLAGS/);
});

test("the defaults point at the catalogue's loopback ports", () => {
  const config = z.object(bffConfigFields).parse({});
  assert.equal(config.IDENTITY_URL, "http://127.0.0.1:8081");
  assert.equal(config.LEDGER_URL, "http://127.0.0.1:8082");
  assert.equal(config.NOTIFICATION_URL, "http://127.0.0.1:8084");
  assert.equal(bffSettings(config).upstreamTimeoutMs, 3_000);
});

test("a default currency that is not an ISO-4217 code is refused", () => {
  const config = z.object(bffConfigFields).parse({ BFF_DEFAULT_CURRENCY: "euro" });
  assert.throws(() => bffSettings(config), /BFF_DEFAULT_CURRENCY/);
});
