/**
 * Every secret a process reads, as a reference to a Secret the manifests never
 * contain. The operators make some (CloudNativePG's `<cluster>-app`, the
 * RabbitMQ operator's `<cluster>-default-user`); the others are provisioned
 * by the platform team in production (External Secrets, Sealed Secrets, a
 * vault injector...) and by `scripts/k8s/local-secrets.ts` on a local cluster.
 * A variable gets its reference only in processes whose schema reads it.
 */
import type { ProcessEntry } from "../../platform/mesh/catalogue.js";

/** How the local-secrets script fills a key. */
export type LocalValue =
  | { readonly kind: "random"; readonly bytes: number }
  /** A Standard Webhooks secret, `whsec_` and base64 of random bytes. */
  | { readonly kind: "whsec" }
  | { readonly kind: "fixed"; readonly value: string };

/** One variable read from a Secret. */
export interface SecretVariable {
  readonly variable: string;
  /** The Secret's name for this process. */
  readonly secret: (entry: ProcessEntry) => string;
  readonly key: string;
  /** The pod starts without it (the variable is then unset). */
  readonly optional: boolean;
  readonly what: string;
  /** Absent: the Secret is made by an operator, or by hand in every cluster (see `provisioned`). */
  readonly local?: LocalValue;
}

/** Secrets made by hand (or a secrets manager) in production, by name: what the docs list. */
export const provisionedSecrets = {
  "wallet-redis": "`url`: the Redis URL (`rediss://:<password>@<host>:6380` for a managed Redis); on a local cluster also `password`, which its StatefulSet requires",
  "wallet-internal-auth-<process>":
    "`secret`: the process's own INTERNAL_AUTH_SECRET and, for a server, `caller-keys`: INTERNAL_AUTH_CALLER_KEYS, its callers' keys derived for it, for hmac mode (local overlay only; mesh mode needs no keys)",
  "identity-secrets": "`key-encryption-secret`: IDENTITY_KEY_ENCRYPTION_SECRET, encrypts signing keys and TOTP secrets at rest",
  "notification-delivery-secrets": "`smtp-url`, `sms-url`, `push-url`, `sms-signing-secret`, `push-signing-secret`, optional `sms-api-key`, `push-api-key`: the providers",
  "audit-export-secrets": "`webhook-url` (https in production) and `signing-secret` (`whsec_...`, several space-separated during a rotation): the SIEM webhook",
} as const;

/** The variables every process may read from Secrets, besides its database and RabbitMQ credentials. */
export const secretVariables: readonly SecretVariable[] = [
  { variable: "REDIS_URL", secret: () => "wallet-redis", key: "url", optional: false, what: "Redis, with its password" },
  {
    variable: "INTERNAL_AUTH_SECRET",
    secret: (entry) => `wallet-internal-auth-${entry.name}`,
    key: "secret",
    optional: true,
    what: "hmac mode: this process's own signing secret (absent under the mesh)",
    local: { kind: "random", bytes: 32 },
  },
  {
    variable: "INTERNAL_AUTH_CALLER_KEYS",
    secret: (entry) => `wallet-internal-auth-${entry.name}`,
    key: "caller-keys",
    optional: true,
    what: "hmac mode: the keys a server accepts, by caller, each derived for this server alone (absent under the mesh)",
  },
  {
    variable: "IDENTITY_KEY_ENCRYPTION_SECRET",
    secret: () => "identity-secrets",
    key: "key-encryption-secret",
    optional: false,
    what: "encrypts identity's signing keys and TOTP secrets at rest",
    local: { kind: "random", bytes: 32 },
  },
  { variable: "NOTIFICATION_SMTP_URL", secret: () => "notification-delivery-secrets", key: "smtp-url", optional: false, what: "the SMTP relay, with its credentials", local: { kind: "fixed", value: "smtp://127.0.0.1:1025" } },
  { variable: "NOTIFICATION_SMS_URL", secret: () => "notification-delivery-secrets", key: "sms-url", optional: false, what: "the SMS gateway", local: { kind: "fixed", value: "http://127.0.0.1:1026/sms" } },
  { variable: "NOTIFICATION_PUSH_URL", secret: () => "notification-delivery-secrets", key: "push-url", optional: false, what: "the push gateway", local: { kind: "fixed", value: "http://127.0.0.1:1026/push" } },
  { variable: "NOTIFICATION_SMS_API_KEY", secret: () => "notification-delivery-secrets", key: "sms-api-key", optional: true, what: "the SMS gateway's API key, when it wants one" },
  { variable: "NOTIFICATION_PUSH_API_KEY", secret: () => "notification-delivery-secrets", key: "push-api-key", optional: true, what: "the push gateway's API key, when it wants one" },
  { variable: "NOTIFICATION_SMS_SIGNING_SECRET", secret: () => "notification-delivery-secrets", key: "sms-signing-secret", optional: false, what: "HMAC key signing SMS requests", local: { kind: "random", bytes: 32 } },
  { variable: "NOTIFICATION_PUSH_SIGNING_SECRET", secret: () => "notification-delivery-secrets", key: "push-signing-secret", optional: false, what: "HMAC key signing push requests", local: { kind: "random", bytes: 32 } },
  { variable: "AUDIT_EXPORT_WEBHOOK_URL", secret: () => "audit-export-secrets", key: "webhook-url", optional: false, what: "the SIEM webhook (its URL may carry a token)", local: { kind: "fixed", value: "http://127.0.0.1:1027/webhook" } },
  { variable: "AUDIT_EXPORT_SIGNING_SECRET", secret: () => "audit-export-secrets", key: "signing-secret", optional: false, what: "signs every exported batch", local: { kind: "whsec" } },
];

/** The CloudNativePG secret of a database cluster: `username`, `password`, `uri` (to the primary's `-rw` Service). */
export const databaseAppSecret = (cluster: string): string => `${cluster}-app`;

/** The RabbitMQ operator's default-user secret: `username`, `password`, `connection_string`. */
export const rabbitmqDefaultUserSecret = (cluster: string): string => `${cluster}-default-user`;
