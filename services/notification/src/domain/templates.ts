/**
 * Notification templates: per name and locale ("en", "de"; anything else
 * falls back to "en") a subject and a body with `{{variable}}` placeholders.
 * Rendering substitutes only the variables whitelisted for the template; a
 * placeholder outside the whitelist, or one the caller left without a value,
 * is a programming error and throws (a unit test renders every template).
 *
 * Secrets (the verification and recovery tokens) are whitelisted only in
 * the body of the two token templates, which render for EMAIL only: a token
 * never reaches a subject, an SMS or a push notification. Pure, no I/O.
 */
import type { ChannelName } from "./channels.js";
import { formatMoney, type MoneyValue } from "./format-money.js";
import { de } from "./templates/de.js";
import { en } from "./templates/en.js";
import type { LocaleTexts, TemplateName } from "./templates/template-names.js";

export type { TemplateName };

/** A value for a placeholder: text as is, money and times formatted for the locale. */
export type TemplateValue = string | MoneyValue | Date;

/** What a template may use. */
interface TemplateRules {
  /** Placeholders allowed anywhere. */
  readonly variables: readonly string[];
  /** Placeholders allowed only in the body of an EMAIL; a template with any renders for EMAIL only. */
  readonly secrets?: readonly string[];
}

/** The whitelist of each template. */
export const TEMPLATE_RULES: Readonly<Record<TemplateName, TemplateRules>> = {
  email_verification: { variables: ["expires_at"], secrets: ["token"] },
  account_recovery: { variables: ["expires_at", "ip_address"], secrets: ["token"] },
  login_new_device: { variables: ["device_name", "ip_address"] },
  mfa_enrolled: { variables: ["method"] },
  mfa_disabled: { variables: ["method"] },
  password_changed: { variables: [] },
  transfer_sent: { variables: ["amount", "transaction_id"] },
  transfer_received: { variables: ["amount", "transaction_id"] },
  refund_received: { variables: ["amount", "transaction_id"] },
  adjustment_credited: { variables: ["amount", "balance", "transaction_id"] },
  adjustment_debited: { variables: ["amount", "balance", "transaction_id"] },
  large_transaction_alert: { variables: ["amount"] },
  test: { variables: ["channel"] },
};

/** The texts by language. */
const TEXTS: Readonly<Record<string, LocaleTexts>> = { en, de };

/** The languages with their own texts. */
export const TEMPLATE_LOCALES: readonly string[] = Object.keys(TEXTS);

/** Every template name. */
export const TEMPLATE_NAMES = Object.keys(TEMPLATE_RULES) as TemplateName[];

/** A rendered message. */
export interface RenderedMessage {
  readonly template: TemplateName;
  /** The language the texts came from ("en" when the user's had none). */
  readonly locale: string;
  readonly subject: string;
  readonly body: string;
}

/** The template's language for a BCP 47 tag: "de-AT" → "de", "fr" → "en". */
export function templateLocale(tag: string): string {
  const language = tag.trim().toLowerCase().split(/[-_]/)[0] ?? "";
  return TEXTS[language] ? language : "en";
}

/** True when the template carries a secret and so goes over EMAIL only. */
export function isEmailOnly(template: TemplateName): boolean {
  return (TEMPLATE_RULES[template].secrets ?? []).length > 0;
}

/** Formats one value for the language. */
function formatValue(value: TemplateValue, locale: string): string {
  if (typeof value === "string") return value;
  // dateStyle cannot be combined with timeZoneName: the zone is written out.
  if (value instanceof Date) return `${new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(value)} UTC`;
  return formatMoney(value, locale);
}

/** Substitutes the placeholders of one text; `secretsAllowed` only for an EMAIL body. */
function fill(template: TemplateName, text: string, values: Readonly<Record<string, TemplateValue>>, locale: string, secretsAllowed: boolean): string {
  const rules = TEMPLATE_RULES[template];
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_, name: string) => {
    const secret = rules.secrets?.includes(name) ?? false;
    if (!rules.variables.includes(name) && !(secret && secretsAllowed)) {
      throw new Error(`template ${template}/${locale}: placeholder {{${name}}} is not allowed here`);
    }
    const value = values[name];
    if (value === undefined) throw new Error(`template ${template}/${locale}: no value for {{${name}}}`);
    return formatValue(value, locale);
  });
}

/**
 * Renders `template` for `channel` in the language of `localeTag`. Throws
 * for a token template on any channel but EMAIL, a placeholder outside the
 * whitelist, or a missing value (all programming errors).
 */
export function renderTemplate(
  template: TemplateName,
  localeTag: string,
  channel: ChannelName,
  values: Readonly<Record<string, TemplateValue>>,
): RenderedMessage {
  if (channel !== "EMAIL" && isEmailOnly(template)) throw new Error(`template ${template} carries a secret: EMAIL only, not ${channel}`);
  const locale = templateLocale(localeTag);
  const text = TEXTS[locale]![template];
  return {
    template,
    locale,
    subject: fill(template, text.subject, values, locale, false),
    body: fill(template, text.body, values, locale, channel === "EMAIL"),
  };
}
