/** German texts. */
import type { LocaleTexts } from "./template-names.js";

export const de: LocaleTexts = {
  email_verification: {
    subject: "Bestätigen Sie Ihre E-Mail-Adresse",
    body: "Mit diesem Code bestätigen Sie Ihre E-Mail-Adresse: {{token}}\nEr läuft um {{expires_at}} ab. Falls Sie sich nicht registriert haben, ignorieren Sie diese Nachricht.",
  },
  account_recovery: {
    subject: "Konto wiederherstellen",
    body: "Jemand (IP-Adresse {{ip_address}}) möchte Ihr Konto wiederherstellen. Mit diesem Code setzen Sie ein neues Passwort: {{token}}\nEr läuft um {{expires_at}} ab. Falls Sie das nicht waren, ignorieren Sie diese Nachricht.",
  },
  login_new_device: {
    subject: "Neue Anmeldung bei Ihrer Wallet",
    body: "Ihr Konto wurde auf einem neuen Gerät angemeldet ({{device_name}}, IP-Adresse {{ip_address}}). Falls Sie das nicht waren, ändern Sie sofort Ihr Passwort.",
  },
  mfa_enrolled: {
    subject: "Zwei-Schritt-Verifizierung aktiviert",
    body: "Die Zwei-Schritt-Verifizierung ({{method}}) wurde für Ihr Konto aktiviert. Falls Sie das nicht waren, wenden Sie sich sofort an den Support.",
  },
  mfa_disabled: {
    subject: "Zwei-Schritt-Verifizierung deaktiviert",
    body: "Die Zwei-Schritt-Verifizierung ({{method}}) wurde für Ihr Konto deaktiviert. Falls Sie das nicht waren, wenden Sie sich sofort an den Support.",
  },
  password_changed: {
    subject: "Ihr Passwort wurde geändert",
    body: "Das Passwort Ihres Kontos wurde geändert und Ihre anderen Sitzungen wurden abgemeldet. Falls Sie das nicht waren, stellen Sie Ihr Konto sofort wieder her.",
  },
  transfer_sent: {
    subject: "Sie haben {{amount}} gesendet",
    body: "Sie haben {{amount}} gesendet. Referenz: {{transaction_id}}.",
  },
  transfer_received: {
    subject: "Sie haben {{amount}} erhalten",
    body: "Sie haben {{amount}} erhalten. Referenz: {{transaction_id}}.",
  },
  refund_received: {
    subject: "Erstattung über {{amount}}",
    body: "Eine Erstattung über {{amount}} wurde Ihrer Wallet gutgeschrieben. Referenz: {{transaction_id}}.",
  },
  adjustment_credited: {
    subject: "Ihr Guthaben wurde korrigiert: {{amount}} gutgeschrieben",
    body: "Wir haben Ihrer Wallet {{amount}} als Korrektur gutgeschrieben. Ihr Guthaben beträgt jetzt {{balance}}. Referenz: {{transaction_id}}.",
  },
  adjustment_debited: {
    subject: "Ihr Guthaben wurde korrigiert: {{amount}} abgebucht",
    body: "Wir haben {{amount}} als Korrektur von Ihrer Wallet abgebucht. Ihr Guthaben beträgt jetzt {{balance}}. Referenz: {{transaction_id}}.",
  },
  large_transaction_alert: {
    subject: "Große Transaktion in Ihrer Wallet",
    body: "Wir haben eine große Transaktion über {{amount}} in Ihrer Wallet bemerkt. Falls Sie das nicht waren, wenden Sie sich sofort an den Support.",
  },
  test: {
    subject: "Testbenachrichtigung",
    body: "Dies ist eine Test-Benachrichtigung ({{channel}}) Ihrer Wallet. Sie müssen nichts tun.",
  },
};
