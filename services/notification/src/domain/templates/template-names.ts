/** The names of the notification templates, as stored in `notifications.template`. */
export type TemplateName =
  | "email_verification"
  | "account_recovery"
  | "login_new_device"
  | "mfa_enrolled"
  | "mfa_disabled"
  | "password_changed"
  | "transfer_sent"
  | "transfer_received"
  | "refund_received"
  | "adjustment_credited"
  | "adjustment_debited"
  | "large_transaction_alert"
  | "test";

/** A subject (email subject, push title; SMS sends only the body) and a body, with `{{variable}}` placeholders. */
export interface TemplateText {
  readonly subject: string;
  readonly body: string;
}

/** Every template's text in one locale. */
export type LocaleTexts = Readonly<Record<TemplateName, TemplateText>>;
