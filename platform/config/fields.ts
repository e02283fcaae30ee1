/**
 * Reusable zod builders for environment variables. Each parses the raw
 * string into a typed value and records the expected form, so a bad value
 * produces "GRPC_PORT must be an integer port 0-65535, got "abc"" rather than
 * a generic zod message. Passing a default makes the variable optional.
 */
import { z } from "zod";
import { fieldInfo, type FieldInfo } from "./field-info.js";

/** Builds a field from a parser that returns undefined for bad input. */
export function envField<T>(
  info: FieldInfo,
  parse: (raw: string) => T | undefined,
  defaultValue?: T,
): z.ZodType<T> {
  const base = z.string().transform((raw, ctx) => {
    const value = parse(raw.trim());
    if (value === undefined) {
      ctx.addIssue({ code: "custom", message: `must be ${info.expected}` });
      return z.NEVER;
    }
    return value;
  });
  const schema = defaultValue === undefined ? base : base.default(defaultValue as never);
  fieldInfo.add(schema, info);
  return schema as unknown as z.ZodType<T>;
}

/** A TCP port, 0-65535 (0 lets the OS pick, as tests do). */
export function port(defaultValue?: number): z.ZodType<number> {
  return envField({ expected: "an integer port 0-65535" }, (raw) => {
    if (!/^\d{1,5}$/.test(raw)) return undefined;
    const n = Number(raw);
    return n <= 65535 ? n : undefined;
  }, defaultValue);
}

/** An integer greater than zero (pool sizes, batch sizes, attempts). */
export function positiveInt(defaultValue?: number): z.ZodType<number> {
  return envField({ expected: "a positive integer" }, (raw) => {
    if (!/^\d+$/.test(raw)) return undefined;
    const n = Number(raw);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  }, defaultValue);
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration in milliseconds: "1500", "1500ms", "10s", "5m" or "1h". */
export function durationMs(defaultValue?: number): z.ZodType<number> {
  return envField(
    { expected: "a duration in milliseconds (or with a unit: 500ms, 10s, 5m, 1h)" },
    (raw) => {
      const match = /^(\d+)(ms|s|m|h)?$/.exec(raw);
      if (!match) return undefined;
      const n = Number(match[1]) * durationUnits[match[2] ?? "ms"]!;
      return Number.isSafeInteger(n) ? n : undefined;
    },
    defaultValue,
  );
}

const truthy = new Set(["true", "1", "yes", "on"]);
const falsy = new Set(["false", "0", "no", "off"]);

/** An amount in whole minor units, 0 or more (a bigint: money is never a float). */
export function minorUnits(defaultValue?: bigint): z.ZodType<bigint> {
  return envField({ expected: "a whole number of minor units (0 or more)" }, (raw) => (/^\d{1,18}$/.test(raw) ? BigInt(raw) : undefined), defaultValue);
}

/** A flag: true/false, also 1/0, yes/no, on/off. */
export function boolean(defaultValue?: boolean): z.ZodType<boolean> {
  return envField({ expected: "true or false" }, (raw) => {
    const lower = raw.toLowerCase();
    if (truthy.has(lower)) return true;
    if (falsy.has(lower)) return false;
    return undefined;
  }, defaultValue);
}

/** One of a fixed set of words, e.g. INTERNAL_AUTH_MODE. */
export function oneOf<const T extends readonly [string, ...string[]]>(
  values: T,
  defaultValue?: T[number],
): z.ZodType<T[number]> {
  return envField(
    { expected: `one of ${values.join(", ")}` },
    (raw) => (values.includes(raw) ? (raw as T[number]) : undefined),
    defaultValue,
  );
}

/** Any non-empty string (host names, queue names, caller ids). */
export function text(defaultValue?: string): z.ZodType<string> {
  return envField({ expected: "a non-empty string" }, (raw) => (raw === "" ? undefined : raw), defaultValue);
}

/** The levels pino understands, most severe first. */
export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** A pino log level. */
export type LogLevel = (typeof logLevels)[number];

/** A pino log level (LOG_LEVEL). */
export function logLevel(defaultValue: LogLevel = "info"): z.ZodType<LogLevel> {
  return oneOf(logLevels, defaultValue);
}

/**
 * A secret (HMAC keys, signing keys). Its value is never echoed in errors;
 * the minimum length guards against placeholder values like "changeme".
 */
export function secret(minLength = 32): z.ZodType<string> {
  return envField(
    { expected: `a secret of at least ${minLength} characters`, show: () => undefined },
    (raw) => (raw.length >= minLength ? raw : undefined),
  );
}

/** Replaces the user-info part of a URL so passwords never reach a log. */
export function maskUrlCredentials(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, "$1***@");
}

/** Builds a URL field accepting the given schemes. */
export function urlField(
  schemes: readonly string[],
  expected: string,
  defaultValue?: string,
): z.ZodType<string> {
  return envField({ expected, show: maskUrlCredentials }, (raw) => {
    try {
      const url = new URL(raw);
      return schemes.includes(url.protocol) && url.hostname !== "" ? raw : undefined;
    } catch {
      return undefined;
    }
  }, defaultValue);
}

/** A PostgreSQL connection URL (postgres:// or postgresql://). */
export function postgresUrl(defaultValue?: string): z.ZodType<string> {
  return urlField(["postgres:", "postgresql:"], "a postgres:// URL", defaultValue);
}

/** A Redis URL (redis:// or rediss://). */
export function redisUrl(defaultValue?: string): z.ZodType<string> {
  return urlField(["redis:", "rediss:"], "a redis:// URL", defaultValue);
}

/** A RabbitMQ URL (amqp:// or amqps://). */
export function amqpUrl(defaultValue?: string): z.ZodType<string> {
  return urlField(["amqp:", "amqps:"], "an amqp:// URL", defaultValue);
}

/** An HTTP(S) URL (webhooks, upstream services). */
export function httpUrl(defaultValue?: string): z.ZodType<string> {
  return urlField(["http:", "https:"], "an http:// or https:// URL", defaultValue);
}
