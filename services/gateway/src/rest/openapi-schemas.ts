import { getOption, ScalarType, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { FieldBehavior, field_behavior } from "#gen/google/api/field_behavior_pb.js";

/** A JSON Schema (OpenAPI 3.1 dialect) as a plain object. */
export type Schema = Record<string, unknown>;

/** The schema of one scalar in the protobuf JSON mapping (int64 as a decimal string). */
export function scalarSchema(scalar: ScalarType): Schema {
  switch (scalar) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "uint32", minimum: 0 };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: "string", format: "int64", pattern: "^-?[0-9]+$" };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: "string", format: "uint64", pattern: "^[0-9]+$" };
    case ScalarType.FLOAT:
      return { type: "number", format: "float" };
    case ScalarType.DOUBLE:
      return { type: "number", format: "double" };
    case ScalarType.BYTES:
      return { type: "string", format: "byte", contentEncoding: "base64" };
  }
}

const wrapperScalars: Readonly<Record<string, ScalarType>> = {
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

/** The JSON form of the well-known types, inline; undefined for other messages. */
function wellKnownSchema(message: DescMessage): Schema | undefined {
  const wrapped = wrapperScalars[message.typeName];
  if (wrapped !== undefined) {
    const inner = scalarSchema(wrapped);
    return { ...inner, type: [inner.type as string, "null"] };
  }
  switch (message.typeName) {
    case "google.protobuf.Timestamp":
      return { type: "string", format: "date-time" };
    case "google.protobuf.Duration":
      return { type: "string", pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$", description: 'Seconds with an "s" suffix, e.g. "1.5s".' };
    case "google.protobuf.FieldMask":
      return { type: "string", description: "Comma-separated lowerCamel field paths." };
    case "google.protobuf.Empty":
      return { type: "object", additionalProperties: false };
    case "google.protobuf.Struct":
      return { type: "object", additionalProperties: true };
    case "google.protobuf.Value":
      return {};
    case "google.protobuf.ListValue":
      return { type: "array", items: {} };
    case "google.protobuf.Any":
      return { type: "object", properties: { "@type": { type: "string" } }, required: ["@type"], additionalProperties: true };
    default:
      return message.typeName.startsWith("google.protobuf.") ? {} : undefined;
  }
}

/** Whether a field carries `(google.api.field_behavior) = REQUIRED`. */
export function isRequiredField(field: DescField): boolean {
  return getOption(field, field_behavior).includes(FieldBehavior.REQUIRED);
}

/** Whether a field carries `(google.api.field_behavior) = OUTPUT_ONLY`. */
function isOutputOnly(field: DescField): boolean {
  return getOption(field, field_behavior).includes(FieldBehavior.OUTPUT_ONLY);
}

/**
 * Builds `components.schemas` from message and enum descriptors, one entry
 * per fully-qualified type name, referenced with `$ref`; recursive messages
 * work because an entry is reserved before its fields are described.
 */
export class SchemaComponents {
  readonly schemas: Record<string, Schema> = {};

  /** A `$ref` to a message (inline for well-known types). */
  message(message: DescMessage): Schema {
    const wkt = wellKnownSchema(message);
    if (wkt) return wkt;
    const name = message.typeName;
    if (!this.schemas[name]) {
      this.schemas[name] = {};
      this.schemas[name] = this.describeMessage(message);
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  /** A message's object schema, without some top-level fields (those bound by the path). */
  messageWithout(message: DescMessage, omit: ReadonlySet<DescField>): Schema {
    if (omit.size === 0) return this.message(message);
    return this.describeMessage(message, omit);
  }

  /** A `$ref` to an enum: its value names as strings. */
  enum(desc: DescEnum): Schema {
    if (desc.typeName === "google.protobuf.NullValue") return { type: "null" };
    const name = desc.typeName;
    if (!this.schemas[name]) this.schemas[name] = { type: "string", enum: desc.values.map((v) => v.name) };
    return { $ref: `#/components/schemas/${name}` };
  }

  /** The schema of a field's JSON value. */
  field(field: DescField): Schema {
    switch (field.fieldKind) {
      case "scalar":
        return scalarSchema(field.scalar);
      case "enum":
        return this.enum(field.enum);
      case "message":
        return this.message(field.message);
      case "list": {
        const items = field.listKind === "scalar" ? scalarSchema(field.scalar) : field.listKind === "enum" ? this.enum(field.enum) : this.message(field.message);
        return { type: "array", items };
      }
      case "map": {
        const values = field.mapKind === "scalar" ? scalarSchema(field.scalar) : field.mapKind === "enum" ? this.enum(field.enum) : this.message(field.message);
        return { type: "object", additionalProperties: values };
      }
    }
  }

  private describeMessage(message: DescMessage, omit: ReadonlySet<DescField> = new Set()): Schema {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const field of message.fields) {
      if (omit.has(field)) continue;
      let schema = this.field(field);
      const notes: string[] = [];
      if (field.oneof) {
        const others = field.oneof.fields.filter((f) => f !== field).map((f) => f.jsonName);
        notes.push(`One of \`${field.oneof.name}\`: set at most one of ${[field.jsonName, ...others].join(", ")}.`);
      }
      if (isOutputOnly(field)) schema = { ...schema, readOnly: true };
      if (notes.length > 0) schema = { ...schema, description: notes.join(" ") };
      properties[field.jsonName] = schema;
      if (isRequiredField(field)) required.push(field.jsonName);
    }
    return {
      type: "object",
      properties,
      ...(required.length > 0 ? { required } : {}),
      additionalProperties: false,
      "x-protobuf-type": message.typeName,
    };
  }
}
