import { createHash } from "node:crypto";
import { clone, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

/**
 * SHA-256 of a request message without the named fields (the idempotency key
 * itself, context that may change between retries such as a risk context).
 * Map fields at the top level are re-inserted in key order first, so two
 * requests with equal maps hash alike whatever order their entries came in.
 */
export function requestHash<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  omitFields: readonly string[] = [],
): Uint8Array {
  const copy = clone(schema, message) as Record<string, unknown>;
  for (const field of schema.fields) {
    if (omitFields.includes(field.name) || omitFields.includes(field.localName)) {
      copy[field.localName] = defaultOf(copy[field.localName]);
    } else if (field.fieldKind === "map") {
      const map = copy[field.localName] as Record<string, unknown>;
      copy[field.localName] = Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
  }
  const bytes = toBinary(schema, copy as MessageShape<Desc>);
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

/** The proto3 zero value of a field's current value (undefined for messages). */
function defaultOf(value: unknown): unknown {
  switch (typeof value) {
    case "string":
      return "";
    case "number":
      return 0;
    case "bigint":
      return 0n;
    case "boolean":
      return false;
    default:
      if (Array.isArray(value)) return [];
      if (value instanceof Uint8Array) return new Uint8Array();
      return undefined;
  }
}
