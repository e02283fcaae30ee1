/**
 * Hostile requests for every operation of the edge's `/openapi.json`: bodies
 * shaped by each operation's schema but filled with wrong types, overflowing
 * numbers, unstorable text, unknown and duplicate fields; path and query
 * parameters with encoding tricks; odd content types and credentials.
 */
import fc from "fast-check";
import { FUZZ_CLIENT_IP } from "./client-address.js";
import { anyNumber, anyString, contentType, hostileString, int64Text, wrongType } from "./hostile-values.js";

type Schema = Record<string, any>;

/** The part of an OpenAPI 3.1 document the fuzzer reads. */
export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, OpenApiOperation>>;
  readonly components?: { readonly schemas?: Record<string, Schema> };
}

interface OpenApiOperation {
  readonly operationId: string;
  /** Present on the backoffice's operations: the staff roles its access policy allows. */
  readonly "x-required-roles"?: readonly string[];
  readonly parameters?: ReadonlyArray<{ name: string; in: "path" | "query" | "header"; schema?: Schema }>;
  readonly requestBody?: { content: Record<string, { schema: Schema }> };
}

/** One request, ready for fetch. */
export interface FuzzRequest {
  readonly operationId: string;
  readonly method: string;
  /** Path and query, already encoded (or deliberately mis-encoded). */
  readonly target: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

const HTTP_METHODS = ["get", "post", "put", "patch", "delete"];
const MAX_DEPTH = 4;

/** Header values fetch accepts: printable ASCII. */
const headerText = fc.stringMatching(/^[\x21-\x7e]{0,200}$/);

/**
 * A value for `schema` (the field `name`): mostly one a client would send, so
 * requests get past the first checks, with a hostile leaf one time in six and
 * the wrong type altogether one time in twelve.
 */
function valueOf(schema: Schema | undefined, doc: OpenApiDocument, depth: number, name = ""): fc.Arbitrary<unknown> {
  const resolved = resolve(schema, doc);
  if (depth > MAX_DEPTH) return fc.constant(undefined);
  return fc.oneof(
    { weight: 10, arbitrary: shaped(resolved, doc, depth, name, plausibleLeaf) },
    { weight: 2, arbitrary: shaped(resolved, doc, depth, name, hostileLeaf) },
    { weight: 1, arbitrary: wrongType },
  );
}

type Leaf = (schema: Schema, name: string) => fc.Arbitrary<unknown>;

/** A leaf value a well-behaved client would send, guessed from the field's type and name. */
const plausibleLeaf: Leaf = (schema, name) => {
  const type = typeOf(schema);
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.filter((v: unknown) => !String(v).endsWith("_UNSPECIFIED"));
    return fc.constantFrom(...(values.length > 0 ? values : schema.enum));
  }
  if (type === "boolean") return fc.boolean();
  if (type === "integer" || type === "number") return fc.integer({ min: 1, max: 50 });
  if (schema.format === "int64" || schema.format === "uint64") return fc.bigInt({ min: 1n, max: 100_000n }).map(String);
  if (schema.format === "date-time") return fc.constant(new Date().toISOString());
  if (/email/i.test(name)) return fc.emailAddress();
  if (/password/i.test(name)) return fc.constant("correct horse battery staple 1");
  if (/currency/i.test(name)) return fc.constantFrom("EUR", "USD");
  if (/phone/i.test(name)) return fc.constant("+4915112345678");
  if (/code$/i.test(name)) return fc.constant("123456");
  if (/id$/i.test(name) || schema.format === "uuid") return fc.uuid().map(String);
  return fc.stringMatching(/^[A-Za-z0-9 ]{1,20}$/);
};

/** A leaf value of the field's type that an attacker would send. */
const hostileLeaf: Leaf = (schema) => {
  const type = typeOf(schema);
  if (schema.format === "int64" || schema.format === "uint64") return int64Text;
  if (type === "integer" || type === "number") return anyNumber;
  if (type === "string") return anyString;
  return wrongType;
};

function typeOf(schema: Schema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((t: string) => t !== "null") : schema.type;
}

function shaped(schema: Schema, doc: OpenApiDocument, depth: number, name: string, leaf: Leaf): fc.Arbitrary<unknown> {
  switch (typeOf(schema)) {
    case "array":
      return fc.oneof(
        { weight: 5, arbitrary: fc.array(valueOf(schema.items, doc, depth + 1, name), { maxLength: 4 }) },
        { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => Array.from({ length: n }, () => 1)) },
      );
    case "object":
      return objectOf(schema, doc, depth);
    default:
      return leaf(schema, name);
  }
}

function objectOf(schema: Schema, doc: OpenApiDocument, depth: number): fc.Arbitrary<unknown> {
  const properties: Record<string, Schema> = schema.properties ?? {};
  // Every field is there: oneof members are dropped at random so one of them often stands alone.
  const known = fc.record(
    Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, fc.option(valueOf(property, doc, depth + 1, name), { freq: 3, nil: undefined })])),
  );
  const extra =
    schema.additionalProperties && typeof schema.additionalProperties === "object"
      ? fc.dictionary(anyString, valueOf(schema.additionalProperties, doc, depth + 1), { maxKeys: 3 })
      : fc.dictionary(fc.oneof(anyString, fc.constantFrom("__proto__", "constructor", "unknownField")), wrongType, { maxKeys: 2 });
  return fc
    .tuple(known, fc.option(extra, { freq: 10 }))
    .map(([a, b]) => ({ ...(b ?? {}), ...Object.fromEntries(Object.entries(a as Record<string, unknown>).filter(([, v]) => v !== undefined)) }));
}

function resolve(schema: Schema | undefined, doc: OpenApiDocument): Schema {
  let at = schema ?? {};
  for (let hops = 0; typeof at.$ref === "string" && hops < 20; hops++) {
    const name = at.$ref.replace("#/components/schemas/", "");
    at = doc.components?.schemas?.[name] ?? {};
  }
  if (Array.isArray(at.allOf) && at.allOf.length === 1) return resolve(at.allOf[0], doc);
  return at;
}

/** Percent-encodes any string, a lone surrogate as its WTF-8 bytes (which encodeURIComponent refuses). */
function encodeLoosely(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text]
      .map((char) => {
        const unit = char.charCodeAt(0);
        if (char.length > 1 || unit < 0xd800 || unit > 0xdfff) return encodeURIComponent(char);
        return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("");
      })
      .join("");
  }
}

/** A path parameter as sent: well-formed ids, hostile text percent-encoded, or raw encoding tricks. */
const pathValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.uuid().map(String) },
  { weight: 3, arbitrary: hostileString.map(encodeLoosely) },
  { weight: 1, arbitrary: fc.constantFrom("%ZZ", "%", "%0", "%00", "%2F", "..%2F..", "%252e", "%C0%AF", "%ED%A0%80", "a%20b", "x".repeat(150)) },
);

/** Serializes a body as JSON, or as something that is not quite JSON. */
function bodyText(value: unknown): fc.Arbitrary<string> {
  const json = JSON.stringify(value) ?? "null";
  const duplicated = json.startsWith("{") && json.length > 2 ? `{"amount":1,"amount":{"amountMinor":"1"},${json.slice(1)}` : json;
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(json) },
    { weight: 1, arbitrary: fc.constantFrom(duplicated, json.slice(0, Math.max(1, Math.floor(json.length / 2))), "", "{", "[]", "null", "\u0000", "{\"a\":1}garbage") },
    // Nesting far deeper than any parser's recursion should be allowed to go.
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`) },
  );
}

/** Placeholders the requests carry for the users' current access tokens. */
export interface FuzzTokens {
  readonly customer: string;
  readonly staff: string;
}

/**
 * The bearer of a request to `operation`: mostly the staff member's for a
 * staff operation (`x-required-roles`), so requests reach the backoffice's
 * handlers, and the customer's for any other; sometimes the customer's at a
 * staff operation, a garbage token or none.
 */
function authorizationFor(operation: OpenApiOperation, tokens: FuzzTokens): fc.Arbitrary<string | null> {
  const garbage = fc.option(headerText.map((t) => `Bearer ${t}`));
  if (operation["x-required-roles"] === undefined) return fc.oneof({ weight: 6, arbitrary: fc.constant(`Bearer ${tokens.customer}`) }, { weight: 1, arbitrary: garbage });
  return fc.oneof({ weight: 6, arbitrary: fc.constant(`Bearer ${tokens.staff}`) }, { weight: 1, arbitrary: fc.constant(`Bearer ${tokens.customer}`) }, { weight: 1, arbitrary: garbage });
}

/** Requests for one operation of `path` and `method`. */
function requestsFor(doc: OpenApiDocument, path: string, method: string, operation: OpenApiOperation, tokens: FuzzTokens): fc.Arbitrary<FuzzRequest> {
  const pathParams = (operation.parameters ?? []).filter((p) => p.in === "path");
  const queryParams = (operation.parameters ?? []).filter((p) => p.in === "query");
  const bodySchema = operation.requestBody?.content["application/json"]?.schema;
  return fc
    .record({
      pathValues: fc.array(pathValue, { minLength: pathParams.length, maxLength: pathParams.length }),
      query: fc.record(Object.fromEntries(queryParams.map((p) => [p.name, fc.oneof({ weight: 3, arbitrary: valueOf(p.schema, doc, 0, p.name).map(String) }, { weight: 1, arbitrary: anyString })])), { requiredKeys: [] }),
      body: bodySchema ? valueOf(bodySchema, doc, 0).chain(bodyText) : fc.option(bodyText({ unexpected: true }), { freq: 5 }),
      contentType,
      authorization: authorizationFor(operation, tokens),
      idempotencyKey: fc.oneof(fc.uuid().map(String), headerText),
    })
    .map(({ pathValues, query, body, contentType: type, authorization, idempotencyKey }): FuzzRequest => {
      let i = 0;
      const filled = path.replace(/\{[^}]+\}/g, () => pathValues[i++] ?? "x");
      const search = Object.entries(query)
        .map(([name, value]) => `${encodeLoosely(name)}=${encodeLoosely(String(value))}`)
        .join("&");
      const headers: Record<string, string> = { "idempotency-key": idempotencyKey, "x-forwarded-for": FUZZ_CLIENT_IP };
      if (typeof authorization === "string") headers.authorization = authorization;
      if (type && body !== null && body !== undefined) headers["content-type"] = type;
      const upper = method.toUpperCase();
      return {
        operationId: operation.operationId,
        method: upper,
        target: search ? `${filled}?${search}` : filled,
        headers,
        ...(upper !== "GET" && body !== null && body !== undefined ? { body } : {}),
      };
    });
}

/** Hostile requests spread over every operation of `doc`, as the customer or the staff member of `tokens` (or with a bad or no token). */
export function openApiRequests(doc: OpenApiDocument, tokens: FuzzTokens): fc.Arbitrary<FuzzRequest> {
  const perOperation = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => requestsFor(doc, path, method, operation, tokens)),
  );
  return fc.oneof(...perOperation);
}
