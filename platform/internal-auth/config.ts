import { z } from "zod";
import { fieldInfo, secret as secretField } from "../config/index.js";
import { audienceKey } from "./audience.js";
import { MIN_API_KEY_LENGTH, parseApiKeyList } from "./api-key.js";
import type { InternalAuthMode } from "./mode.js";

/** Shortest accepted shared secret: 32 characters (at least 128 bits when random). */
export const MIN_SECRET_LENGTH = 32;

/** Ids of keys and of callers: 1-64 letters, digits, ".", "_" or "-". */
const ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Parses a list of keys: a JSON object `{"k2":"<secret>","k1":"<secret>"}` or
 * a list `k2:<secret>,k1:<secret>` (a secret may contain `:` but not `,`; use
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
  return checkedKeys(entries, "");
}

/** Each caller's accepted keys, by caller id then key id. */
export type CallerKeys = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * Parses the keys a receiver accepts, by caller: a JSON object
 * `{"ledger":{"k2":"<secret>","k1":"<secret>"},"mobile-bff":{"k1":"<secret>"}}`.
 * A key id means something only under its caller: the same id under two
 * callers names two keys. Throws describing the expected form, never a secret.
 */
export function parseCallerKeys(raw: string): CallerKeys {
  const text = raw.trim();
  if (text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('expected a JSON object {"callerId":{"keyId":"secret"}}');
  }
  if (!isObject(parsed)) throw new Error('expected a JSON object {"callerId":{"keyId":"secret"}}');
  const byCaller: Record<string, Record<string, string>> = {};
  for (const [caller, keys] of Object.entries(parsed)) {
    if (!ID.test(caller)) throw new Error(`caller id "${caller.slice(0, 64)}" must be 1-64 letters, digits, ".", "_" or "-"`);
    if (!isObject(keys)) throw new Error(`the keys of caller "${caller}" must be a JSON object {"keyId":"secret"}`);
    byCaller[caller] = checkedKeys(Object.entries(keys), ` of caller "${caller}"`);
  }
  return byCaller;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Validates key ids and secrets; `where` names the caller in messages. */
function checkedKeys(entries: Array<[string, unknown]>, where: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const [id, secret] of entries) {
    if (!ID.test(id)) throw new Error(`key id "${id.slice(0, 64)}"${where} must be 1-64 letters, digits, ".", "_" or "-"`);
    if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) {
      throw new Error(`the secret of key "${id}"${where} must be a string of at least ${MIN_SECRET_LENGTH} characters`);
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
  /** Secret this process signs with, its own: no other process holds it (receivers hold only the keys derived from it for them). */
  INTERNAL_AUTH_SECRET: secretField(MIN_SECRET_LENGTH).optional(),
  /**
   * Keys a server accepts, by caller: `{"callerId":{"keyId":"key"}}`, each the
   * caller's key derived for this server (`audienceKey(secret, "<service>")`);
   * old and new side by side during a rotation.
   */
  INTERNAL_AUTH_CALLER_KEYS: hiddenKeyListField(
    parseCallerKeys,
    `a JSON object {"callerId":{"keyId":"secret"}}, each secret at least ${MIN_SECRET_LENGTH} characters`,
  ),
  /**
   * The shared-secret list of before per-caller keys; refused when set, since
   * a key that authenticates any caller lets one service claim another's id.
   */
  INTERNAL_AUTH_KEYS: hiddenKeyListField(parseKeyList, `keyId:secret,keyId:secret or a JSON object {"keyId":"secret"}, each secret at least ${MIN_SECRET_LENGTH} characters`),
  /** Largest accepted clock difference between caller and receiver. */
  INTERNAL_AUTH_MAX_SKEW_MS: z.coerce.number().int().min(1_000).max(300_000).default(30_000),
  /** Comma-separated caller ids a server accepts; when unset, those the call graph lets call this process. */
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
  /** Keys a server accepts by caller (hmac mode): INTERNAL_AUTH_CALLER_KEYS plus its own key for itself under its own caller id. */
  readonly callerKeys: CallerKeys;
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
 * `callerId` is this process's own caller id: its own key for itself (its
 * secret derived for audience `callerId`) is accepted under that id alone.
 */
export function internalAuthSettings(config: InternalAuthConfig, callerId?: string): InternalAuthSettings {
  const base = {
    mode: config.INTERNAL_AUTH_MODE,
    maxSkewMs: config.INTERNAL_AUTH_MAX_SKEW_MS,
    allowedCallers: config.INTERNAL_AUTH_ALLOWED_CALLERS,
    apiKeys: config.INTERNAL_API_KEYS,
    clientApiKey: config.INTERNAL_API_KEY,
  };
  if (Object.keys(config.INTERNAL_AUTH_KEYS).length > 0) {
    throw new Error(
      'INTERNAL_AUTH_KEYS is no longer read: a key now belongs to one caller, so list the keys a server accepts by caller in INTERNAL_AUTH_CALLER_KEYS ({"callerId":{"keyId":"secret"}})',
    );
  }
  if (config.INTERNAL_AUTH_MODE !== "hmac") return { ...base, callerKeys: {} };
  const secret = config.INTERNAL_AUTH_SECRET;
  if (!secret) {
    throw new Error(`INTERNAL_AUTH_SECRET is required when INTERNAL_AUTH_MODE=hmac (a random string of at least ${MIN_SECRET_LENGTH} characters)`);
  }
  const keyId = config.INTERNAL_AUTH_KEY_ID;
  const callerKeys: Record<string, Readonly<Record<string, string>>> = { ...config.INTERNAL_AUTH_CALLER_KEYS };
  if (callerId !== undefined) {
    const own = audienceKey(secret, callerId);
    const listed = callerKeys[callerId]?.[keyId];
    if (listed !== undefined && listed !== own) {
      throw new Error(`INTERNAL_AUTH_CALLER_KEYS lists key "${keyId}" of caller "${callerId}" with a key other than INTERNAL_AUTH_SECRET's for this service`);
    }
    callerKeys[callerId] = { ...callerKeys[callerId], [keyId]: own };
  }
  return { ...base, signingKey: { keyId, secret }, callerKeys };
}
