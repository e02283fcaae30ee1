import { ScalarType, type DescField, type DescMessage, type JsonValue } from "@bufbuild/protobuf";

/**
 * A field of a message by either of the names protobuf JSON accepts: the
 * lowerCamel JSON name (`pageSize`) or the original proto name (`page_size`).
 */
export function findField(message: DescMessage, name: string): DescField | undefined {
  return message.fields.find((f) => f.jsonName === name || f.name === name);
}

/** True for the google.protobuf message types that have their own JSON form (Timestamp, wrappers, Struct...). */
export function isWellKnownMessage(message: DescMessage): boolean {
  return message.typeName.startsWith("google.protobuf.");
}

/** Well-known messages whose JSON form is one string or scalar, so they can sit in a path or query string. */
const scalarLikeMessages: Readonly<Record<string, ScalarType>> = {
  "google.protobuf.Timestamp": ScalarType.STRING,
  "google.protobuf.Duration": ScalarType.STRING,
  "google.protobuf.FieldMask": ScalarType.STRING,
  "google.protobuf.StringValue": ScalarType.STRING,
  "google.protobuf.BytesValue": ScalarType.BYTES,
  "google.protobuf.BoolValue": ScalarType.BOOL,
  "google.protobuf.Int32Value": ScalarType.INT32,
  "google.protobuf.UInt32Value": ScalarType.UINT32,
  "google.protobuf.Int64Value": ScalarType.INT64,
  "google.protobuf.UInt64Value": ScalarType.UINT64,
  "google.protobuf.FloatValue": ScalarType.FLOAT,
  "google.protobuf.DoubleValue": ScalarType.DOUBLE,
};

/** What a path or query parameter can bind: a scalar, an enum, or a scalar-like well-known message, maybe repeated. */
export interface LeafInfo {
  readonly repeated: boolean;
  /** The scalar the text stands for; undefined for enums. */
  readonly scalar: ScalarType | undefined;
}

/** The leaf description of a field, or undefined when a single string cannot set it (messages, maps). */
export function leafInfo(field: DescField): LeafInfo | undefined {
  switch (field.fieldKind) {
    case "scalar":
      return { repeated: false, scalar: field.scalar };
    case "enum":
      return { repeated: false, scalar: undefined };
    case "message": {
      const scalar = scalarLikeMessages[field.message.typeName];
      return scalar === undefined ? undefined : { repeated: false, scalar };
    }
    case "list":
      if (field.listKind === "scalar") return { repeated: true, scalar: field.scalar };
      if (field.listKind === "enum") return { repeated: true, scalar: undefined };
      {
        const scalar = scalarLikeMessages[field.message.typeName];
        return scalar === undefined ? undefined : { repeated: true, scalar };
      }
    case "map":
      return undefined;
  }
}

/**
 * The JSON value a path or query string stands for, ready for the protobuf
 * JSON parser: `true`/`false` for booleans, a number for a numeric enum
 * value, the text itself otherwise (protobuf JSON takes integers, floats,
 * int64, bytes, timestamps and enum names as strings). Invalid text is left
 * as it is for the validation step to refuse with a message.
 */
export function textToJson(leaf: LeafInfo, text: string): JsonValue {
  if (leaf.scalar === undefined) return /^-?\d+$/.test(text) ? Number(text) : text;
  if (leaf.scalar === ScalarType.BOOL) return text === "true" ? true : text === "false" ? false : text;
  return text;
}

/**
 * Resolves a dotted field path (each part a proto or JSON name) through
 * singular, non-well-known message fields. Returns the fields along the way,
 * or a message saying where it fails.
 */
export function resolveFieldPath(message: DescMessage, parts: readonly string[]): DescField[] | string {
  const fields: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i]!;
    if (current === undefined) return `"${parts.slice(0, i).join(".")}" has no fields`;
    const field = findField(current, name);
    if (!field) return `unknown field "${parts.slice(0, i + 1).join(".")}"`;
    fields.push(field);
    const last = i === parts.length - 1;
    if (!last) {
      if (field.fieldKind !== "message" || isWellKnownMessage(field.message)) {
        return `"${parts.slice(0, i + 1).join(".")}" is not a message field`;
      }
      current = field.message;
    }
  }
  return fields;
}
