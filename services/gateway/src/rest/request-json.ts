import {
  fromJson,
  ScalarType,
  type DescEnum,
  type DescField,
  type DescMessage,
  type JsonObject,
  type JsonValue,
  type Registry,
} from "@bufbuild/protobuf";
import { invalidTextProblem } from "#platform/text-hygiene/index.js";
import { findField, isWellKnownMessage } from "./field-paths.js";
import { invalidField, invalidText, unknownField } from "./request-errors.js";

/**
 * Checks a JSON value against a message in the protobuf JSON mapping and
 * returns a copy keyed by JSON names only, so path and query values can be
 * merged into it without a field ending up set under both of its names.
 * Refuses, naming the field as the client wrote it: unknown fields, a field
 * given under both names, two members of one oneof, and values of the wrong
 * type (a number for a string, `"abc"` for an int64, an unknown enum name),
 * and strings (values, map keys, inside well-known types) holding a NUL or a
 * lone surrogate, which PostgreSQL's text type cannot store (INVALID_TEXT).
 * @throws RequestFieldError
 */
export function normalizeMessageJson(message: DescMessage, json: unknown, path: string, registry?: Registry): JsonObject | null {
  if (json === null) return null;
  if (isWellKnownMessage(message)) {
    checkWellKnown(message, json, path, registry);
    return json as JsonObject;
  }
  if (typeof json !== "object" || Array.isArray(json)) throw invalidField(path, `expected a JSON object, got ${describe(json)}`);
  const out: JsonObject = {};
  const seenOneofs = new Map<string, string>();
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const fieldPath = path === "" ? key : `${path}.${key}`;
    const field = findField(message, key);
    if (!field) throw unknownField(fieldPath);
    if (Object.prototype.hasOwnProperty.call(out, field.jsonName)) throw invalidField(fieldPath, `"${field.name}" is set twice (as ${field.name} and ${field.jsonName})`);
    if (field.oneof && value !== null) {
      const other = seenOneofs.get(field.oneof.name);
      if (other !== undefined) throw invalidField(fieldPath, `"${other}" and "${key}" are alternatives (oneof ${field.oneof.name}); set one`);
      seenOneofs.set(field.oneof.name, key);
    }
    out[field.jsonName] = normalizeFieldJson(field, value, fieldPath, registry);
  }
  return out;
}

/** Checks and copies the JSON value of one field (list, map or singular). */
export function normalizeFieldJson(field: DescField, value: unknown, path: string, registry?: Registry): JsonValue {
  if (value === null) return null;
  switch (field.fieldKind) {
    case "scalar":
      return checkScalar(field.scalar, value, path);
    case "enum":
      return checkEnum(field.enum, value, path);
    case "message":
      return normalizeMessageJson(field.message, value, path, registry);
    case "list": {
      if (!Array.isArray(value)) throw invalidField(path, `expected a JSON array, got ${describe(value)}`);
      return value.map((item: unknown, i) => {
        const itemPath = `${path}[${i}]`;
        if (item === null) throw invalidField(itemPath, "a list item cannot be null");
        if (field.listKind === "scalar") return checkScalar(field.scalar, item, itemPath);
        if (field.listKind === "enum") return checkEnum(field.enum, item, itemPath);
        return normalizeMessageJson(field.message, item, itemPath, registry);
      });
    }
    case "map": {
      if (typeof value !== "object" || Array.isArray(value)) throw invalidField(path, `expected a JSON object, got ${describe(value)}`);
      const out: JsonObject = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        const itemPath = `${path}[${JSON.stringify(key)}]`;
        checkMapKey(field.mapKey, key, itemPath);
        if (item === null) throw invalidField(itemPath, "a map value cannot be null");
        if (field.mapKind === "scalar") out[key] = checkScalar(field.scalar, item, itemPath);
        else if (field.mapKind === "enum") out[key] = checkEnum(field.enum, item, itemPath);
        else out[key] = normalizeMessageJson(field.message, item, itemPath, registry);
      }
      return out;
    }
  }
}

const int32Range = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
const uint32Range = { min: 0n, max: 2n ** 32n - 1n };
const int64Range = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const uint64Range = { min: 0n, max: 2n ** 64n - 1n };

/** The integer a JSON number or decimal string stands for, or undefined. */
function integerOf(value: unknown): bigint | undefined {
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : undefined;
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  return undefined;
}

/** Checks one scalar value in the protobuf JSON mapping; returns it unchanged. */
function checkScalar(scalar: ScalarType, value: unknown, path: string): JsonValue {
  const integer = (range: { min: bigint; max: bigint }, what: string, asString: boolean): JsonValue => {
    const n = integerOf(value);
    if (n === undefined || n < range.min || n > range.max) {
      throw invalidField(path, `expected ${what}${asString ? " (a JSON string of digits)" : ""}, got ${describe(value)}`);
    }
    return value as JsonValue;
  };
  switch (scalar) {
    case ScalarType.STRING:
      if (typeof value !== "string") throw invalidField(path, `expected a string, got ${describe(value)}`);
      assertStorableText(value, path);
      return value;
    case ScalarType.BOOL:
      if (typeof value !== "boolean") throw invalidField(path, `expected true or false, got ${describe(value)}`);
      return value;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return integer(int32Range, "a 32-bit integer", false);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return integer(uint32Range, "an unsigned 32-bit integer", false);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return integer(int64Range, "a 64-bit integer", true);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return integer(uint64Range, "an unsigned 64-bit integer", true);
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      if (typeof value === "number" && Number.isFinite(value)) return value;
      if (typeof value === "string" && (["NaN", "Infinity", "-Infinity"].includes(value) || (value.trim() === value && value !== "" && Number.isFinite(Number(value))))) return value;
      throw invalidField(path, `expected a number, got ${describe(value)}`);
    case ScalarType.BYTES:
      if (typeof value !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) throw invalidField(path, `expected base64 text, got ${describe(value)}`);
      return value;
  }
}

/** Checks an enum value: one of its names, or (for an open enum) a 32-bit integer. */
function checkEnum(desc: DescEnum, value: unknown, path: string): JsonValue {
  if (typeof value === "string" && desc.values.some((v) => v.name === value)) return value;
  if (typeof value === "number" && Number.isInteger(value) && (desc.open ? value >= -(2 ** 31) && value < 2 ** 31 : desc.values.some((v) => v.number === value))) return value;
  const names = desc.values.map((v) => v.name);
  const shown = names.length > 12 ? `${names.slice(0, 12).join(", ")}, ...` : names.join(", ");
  throw invalidField(path, `expected one of ${shown}, got ${describe(value)}`);
}

/** Map keys are JSON strings standing for the key type. */
function checkMapKey(scalar: ScalarType, key: string, path: string): void {
  if (scalar === ScalarType.STRING) return assertStorableText(key, path);
  if (scalar === ScalarType.BOOL) {
    if (key !== "true" && key !== "false") throw invalidField(path, "expected a true or false map key");
    return;
  }
  checkScalar(scalar, key, path);
}

/** Well-known types (Timestamp, Duration, Struct, wrappers...) are checked by the protobuf JSON parser itself. */
function checkWellKnown(message: DescMessage, json: unknown, path: string, registry?: Registry): void {
  assertStorableJson(json, path);
  try {
    fromJson(message, json as JsonValue, { ignoreUnknownFields: false, registry });
  } catch (err) {
    const shortName = message.typeName.replace("google.protobuf.", "");
    const hint = shortName === "Timestamp" ? " (an RFC 3339 date-time such as 2024-05-01T12:00:00Z)" : shortName === "Duration" ? ' (seconds with an "s" suffix, such as "1.5s")' : "";
    throw invalidField(path, `expected a ${shortName}${hint}, got ${describe(json)}`);
  }
}

/** Refuses a string PostgreSQL's text type cannot store, naming the field (INVALID_TEXT). */
function assertStorableText(text: string, path: string): void {
  const problem = invalidTextProblem(text);
  if (problem !== undefined) throw invalidText(path, problem);
}

/** Every key and string of free-form JSON (Struct, Value, Any...): `attributes["k"]`, `tags[2]`. */
function assertStorableJson(json: unknown, path: string): void {
  if (typeof json === "string") return assertStorableText(json, path);
  if (Array.isArray(json)) return json.forEach((item, i) => assertStorableJson(item, `${path}[${i}]`));
  if (typeof json !== "object" || json === null) return;
  for (const [key, value] of Object.entries(json)) {
    const itemPath = `${path}[${JSON.stringify(key)}]`;
    assertStorableText(key, itemPath);
    assertStorableJson(value, itemPath);
  }
}

/** A short, safe description of a client value for error messages. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
    case "number":
    case "boolean":
      return String(value);
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}
