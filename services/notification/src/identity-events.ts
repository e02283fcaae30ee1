/**
 * Identity events as what the notification service does with them: keep the
 * recipient record (addresses, push tokens) and tell the user about security
 * changes. EmailVerificationRequested and RecoveryRequested carry a secret
 * token: it goes into the intent's values for the EMAIL body only and is
 * never logged.
 */
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { EventEnvelope } from "#gen/wallet/events/v1/envelope_pb.js";
import { MfaMethod } from "#gen/wallet/identity/v1/token_pb.js";
import { UnprocessableEventError } from "./domain/event-errors.js";
import { intentFor, type NotificationIntent } from "./domain/notification-intent.js";
import type { RecipientRecord } from "./storage/recipients.repository.js";

/** A change to where a user can be reached. */
export type RecipientChange =
  | { readonly kind: "REGISTERED"; readonly recipient: RecipientRecord }
  | { readonly kind: "EMAIL_VERIFIED"; readonly userId: string; readonly email: string }
  | { readonly kind: "PUSH_TOKEN_SET"; readonly deviceId: string; readonly userId: string; readonly pushToken: string }
  | { readonly kind: "PUSH_TOKEN_REMOVED"; readonly deviceId: string };

/** The second factor's name in messages. */
const methodNames: Partial<Record<MfaMethod, string>> = { [MfaMethod.TOTP]: "authenticator app", [MfaMethod.RECOVERY_CODE]: "recovery codes" };

/** The recipient change an identity event carries, if any. */
export function recipientChangeOf(envelope: EventEnvelope): RecipientChange | undefined {
  const p = envelope.payload;
  switch (p.case) {
    case "userRegistered":
      return {
        kind: "REGISTERED",
        recipient: { userId: p.value.userId, email: p.value.email, phoneNumber: p.value.phoneNumber || null, locale: p.value.locale || "en" },
      };
    case "emailVerified":
      return { kind: "EMAIL_VERIFIED", userId: p.value.userId, email: p.value.email };
    case "deviceRegistered":
      // Registered without a push token (or the app withdrew it): that device gets no push.
      return p.value.pushToken === ""
        ? { kind: "PUSH_TOKEN_REMOVED", deviceId: p.value.deviceId }
        : { kind: "PUSH_TOKEN_SET", deviceId: p.value.deviceId, userId: p.value.userId, pushToken: p.value.pushToken };
    case "deviceRevoked":
      return { kind: "PUSH_TOKEN_REMOVED", deviceId: p.value.deviceId };
    default:
      return undefined;
  }
}

/** The token events' shared checks: an address, a token and an expiry. */
function tokenMessage(envelope: EventEnvelope, v: { email: string; token: string; expiresAt?: Timestamp; locale: string }) {
  if (v.email === "" || v.token === "" || !v.expiresAt) {
    throw new UnprocessableEventError(`${envelope.eventType} ${envelope.eventId} lacks an email, token or expiry`);
  }
  return { directEmail: { address: v.email, locale: v.locale }, expiresAt: timestampDate(v.expiresAt) };
}

/** The notifications an identity event asks for (SECURITY, all of them). */
export function identityNotificationsOf(envelope: EventEnvelope): NotificationIntent[] {
  const p = envelope.payload;
  const security = (userId: string, template: NotificationIntent["template"], values: NotificationIntent["values"] = {}) => [
    intentFor(envelope, userId, { category: "SECURITY", template, values }),
  ];
  switch (p.case) {
    case "emailVerificationRequested": {
      const { directEmail, expiresAt } = tokenMessage(envelope, p.value);
      const values = { token: p.value.token, expires_at: expiresAt };
      return [intentFor(envelope, p.value.userId, { category: "SECURITY", template: "email_verification", values, directEmail })];
    }
    case "recoveryRequested": {
      const { directEmail, expiresAt } = tokenMessage(envelope, p.value);
      const values = { token: p.value.token, expires_at: expiresAt, ip_address: p.value.ipAddress || "unknown" };
      return [intentFor(envelope, p.value.userId, { category: "SECURITY", template: "account_recovery", values, directEmail })];
    }
    case "loginFromNewDevice":
      return security(p.value.userId, "login_new_device", { device_name: p.value.deviceName || "unknown device", ip_address: p.value.ipAddress || "unknown" });
    case "mfaEnrolled":
      return security(p.value.userId, "mfa_enrolled", { method: methodNames[p.value.method] ?? "second factor" });
    case "mfaDisabled":
      return security(p.value.userId, "mfa_disabled", { method: methodNames[p.value.method] ?? "second factor" });
    case "passwordChanged":
      return security(p.value.userId, "password_changed");
    default:
      return [];
  }
}
