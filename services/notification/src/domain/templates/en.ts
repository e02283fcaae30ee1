/** English texts, the fallback for every locale without its own. */
import type { LocaleTexts } from "./template-names.js";

export const en: LocaleTexts = {
  email_verification: {
    subject: "Confirm your email address",
    body: "Use this code to confirm your email address: {{token}}\nIt expires at {{expires_at}}. If you did not sign up, ignore this message.",
  },
  account_recovery: {
    subject: "Recover your account",
    body: "Someone (from IP address {{ip_address}}) asked to recover your account. Use this code to set a new password: {{token}}\nIt expires at {{expires_at}}. If this was not you, ignore this message.",
  },
  login_new_device: {
    subject: "New sign-in to your wallet",
    body: "Your account was signed in on a new device ({{device_name}}, IP address {{ip_address}}). If this was not you, change your password now.",
  },
  mfa_enrolled: {
    subject: "Two-step verification turned on",
    body: "Two-step verification ({{method}}) was turned on for your account. If this was not you, contact support now.",
  },
  mfa_disabled: {
    subject: "Two-step verification turned off",
    body: "Two-step verification ({{method}}) was turned off for your account. If this was not you, contact support now.",
  },
  password_changed: {
    subject: "Your password was changed",
    body: "The password of your account was changed and your other sessions were signed out. If this was not you, recover your account now.",
  },
  transfer_sent: {
    subject: "You sent {{amount}}",
    body: "You sent {{amount}}. Reference: {{transaction_id}}.",
  },
  transfer_received: {
    subject: "You received {{amount}}",
    body: "You received {{amount}}. Reference: {{transaction_id}}.",
  },
  refund_received: {
    subject: "You were refunded {{amount}}",
    body: "A refund of {{amount}} was paid to your wallet. Reference: {{transaction_id}}.",
  },
  adjustment_credited: {
    subject: "Your balance was adjusted: {{amount}} credited",
    body: "We credited {{amount}} to your wallet as a balance adjustment. Your balance is now {{balance}}. Reference: {{transaction_id}}.",
  },
  adjustment_debited: {
    subject: "Your balance was adjusted: {{amount}} debited",
    body: "We debited {{amount}} from your wallet as a balance adjustment. Your balance is now {{balance}}. Reference: {{transaction_id}}.",
  },
  large_transaction_alert: {
    subject: "Large transaction on your wallet",
    body: "We noticed a large transaction of {{amount}} on your wallet. If this was not you, contact support now.",
  },
  test: {
    subject: "Test notification",
    body: "This is a test {{channel}} notification from your wallet. No action is needed.",
  },
};
