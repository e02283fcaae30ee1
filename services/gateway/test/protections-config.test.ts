/** The protections' environment: defaults, and values refused at start-up. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { protectionsConfigShape, protectionsSettings, type ProtectionsConfig } from "../src/protections/config.js";

const parse = (env: Record<string, string>) => z.object(protectionsConfigShape).safeParse(env);

test("the URL limit defaults to 8 KiB", () => {
  const config = parse({});
  assert.ok(config.success);
  assert.equal(protectionsSettings({ NODE_ENV: "test", ...config.data } as ProtectionsConfig).hygiene.maxUrlBytes, 8 * 1024);
});

test("a URL limit that is not a positive integer is refused at start-up, naming the variable", () => {
  for (const value of ["0", "-1", "8k", ""]) {
    const config = parse({ GATEWAY_MAX_URL_BYTES: value });
    assert.equal(config.success, false, value);
    assert.deepEqual(config.error.issues[0]?.path, ["GATEWAY_MAX_URL_BYTES"], value);
  }
});
