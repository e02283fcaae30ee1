/** The delivery worker's configuration: gateway signing secrets and defaults. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { deliveryConfigFields, signingSecret } from "../src/delivery/delivery-config.js";

test("production refuses to start without a gateway signing secret, naming the variable", () => {
  assert.throws(() => signingSecret({ NODE_ENV: "production" }, "SMS"), /NOTIFICATION_SMS_SIGNING_SECRET is required in production/);
});

test("outside production an unset signing secret falls back to the development key, and a configured one is used", () => {
  assert.match(signingSecret({ NODE_ENV: "development" }, "PUSH"), /^development-only-/);
  const configured = "p".repeat(32);
  assert.equal(signingSecret({ NODE_ENV: "production", NOTIFICATION_PUSH_SIGNING_SECRET: configured }, "PUSH"), configured);
});

test("every delivery variable has its documented default", () => {
  const config = z.object(deliveryConfigFields).parse({});
  assert.deepEqual(
    { ...config },
    {
      NOTIFICATION_SMTP_URL: "smtp://127.0.0.1:1025",
      NOTIFICATION_EMAIL_FROM: "Wallet <no-reply@wallet.local>",
      NOTIFICATION_SMS_URL: "http://127.0.0.1:1026/sms",
      NOTIFICATION_PUSH_URL: "http://127.0.0.1:1026/push",
      NOTIFICATION_SEND_TIMEOUT: 10_000,
      NOTIFICATION_MAX_ATTEMPTS: 8,
      NOTIFICATION_RETRY_BASE_DELAY: 1_000,
      NOTIFICATION_RETRY_MAX_DELAY: 300_000,
      NOTIFICATION_POLL_INTERVAL: 500,
      NOTIFICATION_BATCH_SIZE: 20,
      NOTIFICATION_USER_RATE_LIMIT: 20,
      NOTIFICATION_USER_RATE_WINDOW: 60_000,
      NOTIFICATION_BREAKER_FAILURES: 5,
      NOTIFICATION_BREAKER_HALF_OPEN: 30_000,
      NOTIFICATION_REDIS_PREFIX: "notification:",
    },
  );
});

test("a signing secret shorter than 32 characters is refused", () => {
  assert.equal(z.object(deliveryConfigFields).safeParse({ NOTIFICATION_SMS_SIGNING_SECRET: "short" }).success, false);
});
