import { createHash, timingSafeEqual } from "node:crypto";

/** Request header carrying a per-service API key (redacted by the logger). */
export const API_KEY_HEADER = "x-api-key";

/** Shortest accepted API key: 32 characters (at least 128 bits when random). */
export const MIN_API_KEY_LENGTH = 32;

/** Caller ids follow the key-id alphabet: service names such as `mobile-bff`. */
const CALLER_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Parses INTERNAL_API_KEYS into the keys each caller may present: a list
 * `callerId:key,callerId:key` (a caller listed twice has two keys, for a
 * rotation; a key may contain `:` but not `,`) or a JSON object whose values
 * are a key or an array of keys (`{"legacy-batch":["<new>","<old>"]}`).
 * Throws describing the expected form, never quoting a key.
 */
export function parseApiKeyList(raw: string): Record<string, string[]> {
  const text = raw.trim();
  if (text === "") return {};
  const entries: Array<[string, unknown]> = [];
  if (text.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error('expected a JSON object {"callerId":"key"} or a list callerId:key,callerId:key');
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error('expected a JSON object {"callerId":"key"} or {"callerId":["key","key"]}');
    }
    for (const [callerId, value] of Object.entries(parsed)) {
      for (const key of Array.isArray(value) ? value : [value]) entries.push([callerId, key]);
    }
  } else {
    for (const item of text.split(",")) {
      const colon = item.indexOf(":");
      if (colon <= 0) throw new Error(`expected callerId:key, got an item without a caller id (item ${entries.length + 1})`);
      entries.push([item.slice(0, colon).trim(), item.slice(colon + 1).trim()]);
    }
  }
  const keys: Record<string, string[]> = {};
  const seen = new Set<string>();
  for (const [callerId, key] of entries) {
    if (!CALLER_ID.test(callerId)) throw new Error(`caller id "${callerId.slice(0, 64)}" must be 1-64 letters, digits, ".", "_" or "-"`);
    if (typeof key !== "string" || key.length < MIN_API_KEY_LENGTH) {
      throw new Error(`the API key of caller "${callerId}" must be a string of at least ${MIN_API_KEY_LENGTH} characters`);
    }
    if (seen.has(key)) throw new Error(`an API key is listed twice (last for caller "${callerId}"): each key must name one caller`);
    seen.add(key);
    (keys[callerId] ??= []).push(key);
  }
  return keys;
}

/** sha256 of a key: fixed length, so comparisons never depend on the key's length. */
function digestOf(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/** Length, in hex digits, of the key fingerprint shown to handlers and logs. */
const FINGERPRINT_HEX = 12;

/** The caller a valid key belongs to. */
export interface ApiKeyMatch {
  readonly callerId: string;
  /**
   * `sha256:` and the first 12 hex digits of the key's digest: tells keys
   * apart during a rotation without revealing them.
   */
  readonly fingerprint: string;
}

/** Finds the caller an API key belongs to. */
export interface ApiKeyVerifier {
  /**
   * The caller the presented key maps to, or undefined for an unknown key.
   * Every configured key is compared (sha256 digests, `timingSafeEqual`), so
   * the time taken does not reveal which key, or how much of one, matched.
   */
  match(presented: string): ApiKeyMatch | undefined;
  /** Number of configured keys; a verifier with none accepts nothing. */
  readonly size: number;
}

/** Builds an {@link ApiKeyVerifier} over the parsed INTERNAL_API_KEYS. Only digests are kept. */
export function createApiKeyVerifier(keysByCaller: Readonly<Record<string, readonly string[]>>): ApiKeyVerifier {
  const table = Object.entries(keysByCaller).flatMap(([callerId, keys]) =>
    keys.map((key) => {
      const digest = digestOf(key);
      return { callerId, digest, fingerprint: `sha256:${digest.toString("hex").slice(0, FINGERPRINT_HEX)}` };
    }),
  );
  return {
    size: table.length,
    match(presented) {
      const digest = digestOf(presented);
      let found: ApiKeyMatch | undefined;
      for (const entry of table) {
        // No early exit: every entry costs the same whether or not it matches.
        if (timingSafeEqual(entry.digest, digest) && found === undefined) found = { callerId: entry.callerId, fingerprint: entry.fingerprint };
      }
      return found;
    },
  };
}
