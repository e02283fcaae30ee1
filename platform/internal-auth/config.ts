import { z } from "zod";
import { fieldInfo, secret as secretField } from "../config/index.js";
import { MIN_API_KEY_LENGTH, parseApiKeyList } from "./api-key.js";
import type { InternalAuthMode } from "./mode.js";

/** Shortest accepted shared secret: 32 characters (at least 128 bits when random). */
export const MIN_SECRET_LENGTH = 32;

/**
 * Parses accepted keys: a JSON object `{"k2":"<secret>","k1":"<secret>"}` or a
 * list `k2:<secret>,k1:<secret>` (a secret may contain `:` but not `,`; use
 * JSON for those). Throws describing the expected form.
 */
export function parseKeyList(raw: string): Record<string, string> {
  const text = raw.trim();
  if (text === "") return {};
  let entries: Array<[string, unknown]>;
  if (text.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error('expected a JSON object {"keyId":"secret"} or a list keyId:secret,keyId:secret');
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error('expected a JSON object {"keyId":"secret"}');
    }
    entries = Object.entries(parsed);
  } else {
    entries = text.split(",").map((item) => {
      const colon = item.indexOf(":");
      if (colon <= 0) throw new Error(`expected keyId:secret, got "${item.slice(0, 12)}..."`);
      return [item.slice(0, colon).trim(), item.slice(colon + 1).trim()];
    });
  }
  const keys: Record<string, string> = {};
  for (const [id, secret] of entries) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new Error(`key id "${id}" must be 1-64 letters, digits, ".", "_" or "-"`);
    if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) {
      throw new Error(`the secret of key "${id}" must be a string of at least ${MIN_SECRET_LENGTH} characters`);
    }
    keys[id] = secret;
  }
  return keys;
}

/**
 * Environment fragment for a process config (plain zod, merge its `shape`).
 * Cross-field rules (hmac needs a secret) are checked by
 * {@link internalAuthSettings}, since merged shapes drop object refinements.
 */
export const internalAuthConfigSchema = z.object({
  /** `hmac` (default), `mesh` or `off` (not in production). */
  INTERNAL_AUTH_MODE: z.enum(["hmac", "mesh", "off"]).default("hmac"),
  /** Id of the key this process signs with. */
  INTERNAL_AUTH_KEY_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "1-64 letters, digits, '.', '_' or '-'")
    .default("primary"),
  /** Secret this process signs with (and accepts under INTERNAL_AUTH_KEY_ID). */
  INTERNAL_AUTH_SECRET: secretField(MIN_SECRET_LENGTH).optional(),
  /** Further accepted keys during a rotation: JSON object or `id:secret,id:secret`. */
  INTERNAL_AUTH_KEYS: hiddenKeyListField(parseKeyList, `keyId:secret,keyId:secret or a JSON object {"keyId":"secret"}, each secret at least ${MIN_SECRET_LENGTH} characters`),
  /** Largest accepted clock difference between caller and receiver. */
  INTERNAL_AUTH_MAX_SKEW_MS: z.coerce.number().int().min(1_000).max(300_000).default(30_000),
  /** Comma-separated caller ids a server accepts; all when unset. */
  INTERNAL_AUTH_ALLOWED_CALLERS: z
    .string()
    .optional()
    .transform((raw) => (raw ? raw.split(",").map((s) => s.trim()).filter(Boolean) : undefined)),
  /**
   * Per-service API keys a server accepts in `x-api-key`, for callers that
   * cannot sign: `callerId:key,callerId:key` or a JSON object. In every mode.
   */
  INTERNAL_API_KEYS: hiddenKeyListField(
    parseApiKeyList,
    `callerId:key,callerId:key or a JSON object {"callerId":"key"}, each key at least ${MIN_API_KEY_LENGTH} characters`,
  ),
  /** The key this process's clients send in `x-api-key` instead of signing. */
  INTERNAL_API_KEY: secretField(MIN_API_KEY_LENGTH).optional(),
});

/**
 * A list of secrets parsed by `parse`: the issue carries parse's precise
 * message (for schema users), while a process stopping on it prints only the
 * expected form, never the value.
 */
function hiddenKeyListField<T>(parse: (raw: string) => T, expected: string) {
  const schema = z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return parse("");
      try {
        return parse(raw);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    });
  fieldInfo.add(schema, { expected, show: () => undefined });
  return schema;
}

/** The parsed fragment. */
export type InternalAuthConfig = z.output<typeof internalAuthConfigSchema>;

/** Everything the interceptors need, with cross-field rules applied. */
export interface InternalAuthSettings {
  readonly mode: InternalAuthMode;
  /** Signing key for clients (hmac mode). */
  readonly signingKey?: { readonly keyId: string; readonly secret: string };
  /** Keys a server accepts (hmac mode): INTERNAL_AUTH_KEYS plus the signing key. */
  readonly acceptedKeys: Readonly<Record<string, string>>;
  readonly maxSkewMs: number;
  readonly allowedCallers?: readonly string[];
  /** Per-service API keys a server accepts, by caller id (INTERNAL_API_KEYS); may be empty. */
  readonly apiKeys: Readonly<Record<string, readonly string[]>>;
  /** Key this process's clients send instead of signing (INTERNAL_API_KEY). */
  readonly clientApiKey?: string;
}

/**
 * Applies the rules across variables; throws naming the variable at fault.
 * In hmac mode INTERNAL_AUTH_SECRET is required: every service both calls
 * and is called, and a receiver-only process still needs at least one key.
 */
export function internalAuthSettings(config: InternalAuthConfig): InternalAuthSettings {
  const base = {
    mode: config.INTERNAL_AUTH_MODE,
    maxSkewMs: config.INTERNAL_AUTH_MAX_SKEW_MS,
    allowedCallers: config.INTERNAL_AUTH_ALLOWED_CALLERS,
    apiKeys: config.INTERNAL_API_KEYS,
    clientApiKey: config.INTERNAL_API_KEY,
  };
  if (config.INTERNAL_AUTH_MODE !== "hmac") return { ...base, acceptedKeys: {} };
  const secret = config.INTERNAL_AUTH_SECRET;
  if (!secret) {
    throw new Error(`INTERNAL_AUTH_SECRET is required when INTERNAL_AUTH_MODE=hmac (a random string of at least ${MIN_SECRET_LENGTH} characters)`);
  }
  const keyId = config.INTERNAL_AUTH_KEY_ID;
  const listed = config.INTERNAL_AUTH_KEYS[keyId];
  if (listed !== undefined && listed !== secret) {
    throw new Error(`INTERNAL_AUTH_KEYS lists key "${keyId}" with a secret different from INTERNAL_AUTH_SECRET`);
  }
  return { ...base, signingKey: { keyId, secret }, acceptedKeys: { ...config.INTERNAL_AUTH_KEYS, [keyId]: secret } };
}
