import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { readConfig } from "#platform/config/index.js";
import { backofficeConfigFields, backofficeSettings } from "../src/config.js";

test("the defaults point at the catalogue's loopback ports and the documented approval settings", () => {
  const settings = backofficeSettings(z.object(backofficeConfigFields).parse({}));
  assert.equal(z.object(backofficeConfigFields).parse({}).RISK_URL, "http://127.0.0.1:8083");
  assert.equal(settings.approvalThresholdMinor, 50_000n);
  assert.equal(settings.approvalTtlMs, 24 * 3_600_000);
  assert.equal(settings.stepUpMaxAgeSec, 300);
});

test("durations and the threshold are read from the environment", () => {
  const config = z.object(backofficeConfigFields).parse({ BACKOFFICE_APPROVAL_THRESHOLD_MINOR: "100000", BACKOFFICE_APPROVAL_TTL: "2h", BACKOFFICE_STEP_UP_MAX_AGE: "90s" });
  const settings = backofficeSettings(config);
  assert.equal(settings.approvalThresholdMinor, 100_000n);
  assert.equal(settings.approvalTtlMs, 7_200_000);
  assert.equal(settings.stepUpMaxAgeSec, 90);
});

test("a threshold that is not a whole number of minor units stops start-up naming the variable", () => {
  assert.throws(() => readConfig(z.object(backofficeConfigFields), { BACKOFFICE_APPROVAL_THRESHOLD_MINOR: "12.50" }), /BACKOFFICE_APPROVAL_THRESHOLD_MINOR/);
});
