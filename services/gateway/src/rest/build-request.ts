import { fromJson, type DescField, type JsonObject, type JsonValue, type Message, type Registry } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import type { HttpBinding } from "./bindings.js";
import { leafInfo, resolveFieldPath, textToJson } from "./field-paths.js";
import { invalidField, RequestFieldError, unknownField } from "./request-errors.js";
import { normalizeFieldJson, normalizeMessageJson } from "./request-json.js";

/** What a REST request carries for the request message. */
export interface RestRequestParts {
  /** The template's variables, decoded (from {@link HttpBinding.match}). */
  readonly pathValues: ReadonlyMap<string, string>;
  readonly query: URLSearchParams;
  /** The parsed JSON body; undefined when there is none. */
  readonly body: unknown;
  /** The `Idempotency-Key` header, if any. */
  readonly idempotencyKey: string | undefined;
}

/**
 * Builds the request message of a binding from the path variables, the query
 * string and the body, following the HTTP transcoding rules: the body (the
 * whole message for `body: "*"`, one field otherwise), path variables (which
 * win over the body), and, unless the body takes the whole message, every
 * other field as a query parameter (`?page.page_size=10&ids=a&ids=b`).
 * Field names may be given as proto names or lowerCamel JSON names. An
 * `Idempotency-Key` header fills the message's `idempotency_key` (the header
 * wins over a value in the body).
 * @throws RequestFieldError naming the offending field.
 */
export function buildRequestMessage(binding: HttpBinding, parts: RestRequestParts, registry?: Registry): Message {
  const input = binding.method.input;
  const json = bodyJson(binding, parts.body, registry);
  const pathBound = new Set(binding.pathBindings.map((p) => p.fields.map((f) => f.name).join(".")));

  if (binding.body === "*") {
    const key = parts.query.keys().next();
    if (!key.done) throw new RequestFieldError("UNKNOWN_FIELD", key.value, `unknown query parameter "${key.value}": this route takes its fields from the JSON body`);
  } else {
    const seen = new Set<string>();
    for (const key of new Set(parts.query.keys())) {
      const fields = resolveFieldPath(input, key.split("."));
      if (typeof fields === "string") {
        throw fields.startsWith("unknown") ? unknownField(key, "query parameter") : invalidField(key, fields);
      }
      const canonical = fields.map((f) => f.name).join(".");
      if (pathBound.has(canonical)) throw invalidField(key, "is bound by the path; it cannot also come from the query string");
      if (binding.bodyField && fields[0] === binding.bodyField) throw invalidField(key, "comes from the request body, not the query string");
      if (seen.has(canonical)) throw invalidField(key, "is given twice (under its proto and its JSON name)");
      seen.add(canonical);
      const field = fields[fields.length - 1]!;
      const leaf = leafInfo(field);
      if (!leaf) throw invalidField(key, "cannot be set from the query string (a message or map field); use its sub-fields");
      const values = parts.query.getAll(key);
      if (!leaf.repeated && values.length > 1) throw invalidField(key, "is given more than once but is not repeated");
      const value = leaf.repeated ? values.map((v) => textToJson(leaf, v)) : textToJson(leaf, values[0]!);
      setNested(json, fields, normalizeFieldJson(field, value, key, registry));
    }
  }

  for (const bound of binding.pathBindings) {
    const field = bound.fields[bound.fields.length - 1]!;
    const raw = parts.pathValues.get(bound.name) ?? "";
    setNested(json, bound.fields, normalizeFieldJson(field, textToJson(leafInfo(field)!, raw), bound.name, registry));
  }

  let message: Message;
  try {
    message = fromJson(input, json, { ignoreUnknownFields: false, registry });
  } catch (err) {
    throw fromParserError(err);
  }
  if (binding.idempotencyKeyField && parts.idempotencyKey !== undefined) {
    reflect(input, message).set(binding.idempotencyKeyField, parts.idempotencyKey);
  }
  return message;
}

/** The body's contribution to the request JSON. */
function bodyJson(binding: HttpBinding, body: unknown, registry?: Registry): JsonObject {
  if (binding.body === "*") {
    if (body === undefined) return {};
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new RequestFieldError("INVALID_BODY", "", "the request body must be a JSON object");
    }
    return normalizeMessageJson(binding.method.input, body, "", registry) ?? {};
  }
  if (binding.bodyField) {
    if (body === undefined) return {};
    return { [binding.bodyField.jsonName]: normalizeFieldJson(binding.bodyField, body, binding.bodyField.name, registry) };
  }
  const empty = body === undefined || (typeof body === "object" && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);
  if (!empty) throw new RequestFieldError("INVALID_BODY", "", `${binding.httpMethod} ${binding.openApiPath} takes no request body; use the query string`);
  return {};
}

/** Sets a value at a field path, creating the intermediate objects (keys are JSON names). */
function setNested(json: JsonObject, fields: readonly DescField[], value: JsonValue): void {
  let target = json;
  for (const field of fields.slice(0, -1)) {
    const next = target[field.jsonName];
    if (next === undefined || next === null || typeof next !== "object" || Array.isArray(next)) {
      const created: JsonObject = {};
      target[field.jsonName] = created;
      target = created;
    } else target = next as JsonObject;
  }
  target[fields[fields.length - 1]!.jsonName] = value;
}

/**
 * The protobuf JSON parser's refusal (rare once the JSON is checked: an
 * out-of-range timestamp, bad base64) as a RequestFieldError naming the field.
 */
function fromParserError(err: unknown): RequestFieldError {
  const message = err instanceof Error ? err.message : String(err);
  const field = /cannot decode (?:field|oneof) [\w.]*\.(\w+) from JSON/.exec(message)?.[1] ?? "";
  const reason = message.replace(/^cannot decode [^:]*: /, "");
  return invalidField(field, field === "" ? `invalid request: ${reason}` : reason);
}
