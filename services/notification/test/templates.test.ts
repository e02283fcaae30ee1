/**
 * The templates as pure functions: every template renders in every locale
 * on every channel it may use, with no placeholder left and only
 * whitelisted variables; tokens stay in EMAIL bodies; amounts are exact.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CHANNELS } from "../src/domain/channels.js";
import { formatMoney } from "../src/domain/format-money.js";
import { isEmailOnly, renderTemplate, TEMPLATE_LOCALES, TEMPLATE_NAMES, TEMPLATE_RULES, templateLocale, type TemplateValue } from "../src/domain/templates.js";

/** A sample value for every variable any template may use. */
const samples: Record<string, TemplateValue> = {
  token: "TOKEN-SAMPLE-123",
  expires_at: new Date("2030-01-02T03:04:00Z"),
  ip_address: "198.51.100.7",
  device_name: "Pixel 8",
  method: "authenticator app",
  amount: { amountMinor: 1_234n, currency: "EUR" },
  balance: { amountMinor: 56_789n, currency: "EUR" },
  transaction_id: "tx-1",
  channel: "email",
};

describe("templates", () => {
  test("every template renders in every locale on every channel it may use, with no placeholder left", () => {
    for (const template of TEMPLATE_NAMES) {
      for (const locale of TEMPLATE_LOCALES) {
        for (const channel of isEmailOnly(template) ? (["EMAIL"] as const) : CHANNELS) {
          const values = Object.fromEntries([...TEMPLATE_RULES[template].variables, ...(TEMPLATE_RULES[template].secrets ?? [])].map((v) => [v, samples[v]!]));
          const rendered = renderTemplate(template, locale, channel, values);
          assert.equal(rendered.locale, locale);
          assert.ok(!/\{\{|\}\}/.test(rendered.subject + rendered.body), `${template}/${locale} left a placeholder`);
          assert.ok(!rendered.subject.includes(samples.token as string), `${template}/${locale} put the token in its subject`);
        }
      }
    }
  });

  test("the token templates put the token in the EMAIL body and refuse every other channel", () => {
    for (const template of ["email_verification", "account_recovery"] as const) {
      assert.ok(isEmailOnly(template));
      const values = { token: "T-1", expires_at: new Date(), ip_address: "x" };
      assert.ok(renderTemplate(template, "en", "EMAIL", values).body.includes("T-1"));
      assert.throws(() => renderTemplate(template, "en", "SMS", values), /EMAIL only/);
      assert.throws(() => renderTemplate(template, "en", "PUSH", values), /EMAIL only/);
    }
  });

  test("only the two token templates carry a secret", () => {
    assert.deepEqual(TEMPLATE_NAMES.filter(isEmailOnly).sort(), ["account_recovery", "email_verification"]);
  });

  test("a missing value is a programming error", () => {
    assert.throws(() => renderTemplate("transfer_sent", "en", "EMAIL", {}), /no value for \{\{amount\}\}/);
  });

  test("a locale without texts falls back to English, a regional one uses its language", () => {
    assert.deepEqual([templateLocale("fr-FR"), templateLocale("de-AT"), templateLocale(""), templateLocale("EN_gb")], ["en", "de", "en", "en"]);
  });
});

describe("amounts", () => {
  test("minor units render with the currency's exponent: 1234 EUR cents as €12.34, 1234 JPY as ¥1,234, 1234 KWD fils as KWD 1.234", () => {
    assert.equal(formatMoney({ amountMinor: 1_234n, currency: "EUR" }, "en"), "€12.34");
    assert.equal(formatMoney({ amountMinor: 1_234n, currency: "JPY" }, "en"), "¥1,234");
    assert.equal(formatMoney({ amountMinor: 1_234n, currency: "KWD" }, "en"), "KWD\u00a01.234");
  });

  test("amounts beyond a double's precision render exactly", () => {
    assert.equal(formatMoney({ amountMinor: 9_007_199_254_740_993_01n, currency: "EUR" }, "en"), "€9,007,199,254,740,993.01");
  });
});
