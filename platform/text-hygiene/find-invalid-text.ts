import { ScalarType, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { invalidTextProblem } from "./invalid-text.js";

/** One string of a message that cannot be stored. */
export interface TextViolation {
  /** Where it is: `device.name`, `entries[2].memo`, `metadata["k"]` (a map key names its own entry). */
  readonly field: string;
  /** What is wrong, e.g. "must not contain U+0000 (NUL) (at character 3)". */
  readonly description: string;
}

/** Options of {@link findInvalidText}. */
export interface FindInvalidTextOptions {
  /** Field names in paths: proto names (`device_id`, the default, as gRPC errors name fields) or JSON names (`deviceId`). */
  readonly names?: "proto" | "json";
  /** Stop after this many violations; default 10. */
  readonly limit?: number;
}

/**
 * Every string of `message` (scalars, repeated items, map keys and values,
 * nested messages and set oneof members, at any depth) that holds a NUL or a
 * lone surrogate, in field order, up to `limit`. Driven by the descriptor, so
 * any message and any field added later is covered; bytes and enums are not
 * text and are skipped, as are unknown fields and the packed bytes of a
 * `google.protobuf.Any`.
 */
export function findInvalidText(schema: DescMessage, message: Message, options: FindInvalidTextOptions = {}): TextViolation[] {
  const violations: TextViolation[] = [];
  const limit = options.limit ?? 10;
  const nameOf = options.names === "json" ? (f: DescField) => f.jsonName : (f: DescField) => f.name;

  const check = (value: unknown, path: string) => {
    if (typeof value !== "string") return;
    const description = invalidTextProblem(value);
    if (description !== undefined) violations.push({ field: path, description });
  };

  const walk = (r: ReflectMessage, prefix: string): void => {
    for (const field of r.fields) {
      if (violations.length >= limit) return;
      if (!r.isSet(field)) continue;
      const path = prefix === "" ? nameOf(field) : `${prefix}.${nameOf(field)}`;
      switch (field.fieldKind) {
        case "scalar":
          if (field.scalar === ScalarType.STRING) check(r.get(field), path);
          break;
        case "enum":
          break;
        case "message":
          walk(r.get(field), path);
          break;
        case "list": {
          let i = 0;
          for (const item of r.get(field)) {
            if (field.listKind === "message") walk(item as ReflectMessage, `${path}[${i}]`);
            else if (field.listKind === "scalar" && field.scalar === ScalarType.STRING) check(item, `${path}[${i}]`);
            i++;
          }
          break;
        }
        case "map":
          for (const [key, value] of r.get(field).entries()) {
            const entry = `${path}[${JSON.stringify(String(key))}]`;
            if (field.mapKey === ScalarType.STRING) check(key, entry);
            if (field.mapKind === "message") walk(value as ReflectMessage, entry);
            else if (field.mapKind === "scalar" && field.scalar === ScalarType.STRING) check(value, entry);
          }
          break;
      }
    }
  };

  walk(reflect(schema, message), "");
  return violations.slice(0, limit);
}
