/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the
 * exporter signs every batch, the local SIEM sink of `npm start` checks them.
 *
 * A secret is `whsec_<base64 of 24-64 random bytes>`; the HMAC key is the
 * decoded bytes. The signed content is `<webhook-id>.<webhook-timestamp>.<body>`,
 * the signature `v1,<base64 HMAC-SHA256>`. During a rotation several secrets
 * sign at once and `webhook-signature` lists every signature, space-separated,
 * so a receiver holding either the old or the new secret accepts the batch.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The prefix of a Standard Webhooks secret. */
export const SECRET_PREFIX = "whsec_";

/** Fewest and most key bytes a secret may carry (the specification's range). */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

/** How far a receiver lets `webhook-timestamp` be from its clock, either way (the specification's default). */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** One signing key: the configured text (to scrub from errors) and its HMAC key bytes. */
export interface SigningKey {
  readonly secret: string;
  readonly key: Buffer;
}

/** The three headers of a signed request. */
export interface WebhookHeaders {
  readonly "webhook-id": string;
  readonly "webhook-timestamp": string;
  readonly "webhook-signature": string;
}

/**
 * Parses one or more space-separated `whsec_` secrets (the first signs, all
 * sign during a rotation). Never echoes a secret.
 * @throws Error saying which secret (by its place in the list) is malformed.
 */
export function parseSigningSecrets(raw: string): SigningKey[] {
  const secrets = raw.split(/\s+/).filter((part) => part !== "");
  if (secrets.length === 0) throw new Error("no secret given");
  return secrets.map((secret, index) => {
    const place = secrets.length === 1 ? "the secret" : `secret ${index + 1} of ${secrets.length}`;
    if (!secret.startsWith(SECRET_PREFIX)) throw new Error(`${place} does not start with ${SECRET_PREFIX}`);
    const encoded = secret.slice(SECRET_PREFIX.length);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) throw new Error(`${place} is not base64 after ${SECRET_PREFIX}`);
    const key = Buffer.from(encoded, "base64");
    if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
      throw new Error(`${place} decodes to ${key.length} bytes; ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} are required`);
    }
    return { secret, key };
  });
}

/** `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` for one key. */
function signatureWith(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`, "utf8").digest("base64")}`;
}

/**
 * The headers of a request carrying `body` as message `id`, signed at `now`
 * with every key (one signature each, space-separated).
 */
export function signWebhook(keys: readonly SigningKey[], id: string, body: string, now: Date): WebhookHeaders {
  if (keys.length === 0) throw new Error("no signing key");
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": keys.map((k) => signatureWith(k.key, id, timestamp, body)).join(" "),
  };
}

/** Why a request's signature was refused. */
export type SignatureProblem = "missing headers" | "bad timestamp" | "timestamp outside tolerance" | "no matching signature";

/**
 * Checks a received request as a Standard Webhooks receiver does: the three
 * headers present, the timestamp within `toleranceSeconds` of `now`, and one
 * `v1` signature that one of `keys` produces (compared in constant time).
 * Answers undefined when it passes, else the problem.
 */
export function verifyWebhook(
  keys: readonly SigningKey[],
  headers: Partial<Record<keyof WebhookHeaders, string | undefined>>,
  body: string,
  now: Date,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): SignatureProblem | undefined {
  const id = headers["webhook-id"];
  const rawTimestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (!id || !rawTimestamp || !signatures) return "missing headers";
  if (!/^\d{1,12}$/.test(rawTimestamp)) return "bad timestamp";
  const timestamp = Number(rawTimestamp);
  if (Math.abs(Math.floor(now.getTime() / 1000) - timestamp) > toleranceSeconds) return "timestamp outside tolerance";
  const received = signatures.split(" ").filter((s) => s.startsWith("v1,")).map((s) => Buffer.from(s));
  for (const { key } of keys) {
    const expected = Buffer.from(signatureWith(key, id, timestamp, body));
    if (received.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) return undefined;
  }
  return "no matching signature";
}
