import type { DescField, DescMessage, DescMethod } from "@bufbuild/protobuf";
import type { HttpBinding } from "./bindings.js";
import { isWellKnownMessage, leafInfo } from "./field-paths.js";
import { operationAccessOf } from "./openapi-access.js";
import { isRequiredField, SchemaComponents, type Schema } from "./openapi-schemas.js";
import { PROBLEM_CONTENT_TYPE } from "./problem.js";

/** Options of {@link createOpenApiDocument}. */
export interface OpenApiOptions {
  readonly bindings: readonly HttpBinding[];
  /** Whether an RPC is callable without a bearer token (the edge protections' list). */
  readonly isPublic: (method: DescMethod) => boolean;
  readonly title?: string;
  readonly version?: string;
}

/** Error statuses every operation may answer, each with a problem+json body. */
const errorStatuses: Readonly<Record<string, string>> = {
  "400": "The request is malformed: an unknown field, a wrong type, a missing or invalid value.",
  "401": "No valid access token, or a second factor is needed (`WWW-Authenticate`).",
  "403": "The caller may not do this.",
  "404": "The resource does not exist or is not the caller's.",
  "409": "A conflict with the current state or a concurrent request (same Idempotency-Key still running).",
  "422": "The request is valid but the state forbids it (insufficient funds, Idempotency-Key reused with another body).",
  "429": "Too many requests; retry after `Retry-After` seconds.",
  "500": "An unexpected error; no internal detail is given.",
  "503": "An upstream service is unavailable; retry after `Retry-After` seconds.",
  "504": "An upstream service did not answer in time.",
};

/** The response header of an operation taking an Idempotency-Key. */
const idempotentReplayedHeader: Schema = {
  description: "`true` when this answer is the stored one of an earlier request with the same Idempotency-Key (a replay: nothing ran again); absent on a first answer.",
  schema: { type: "string", enum: ["true"] },
};

/** Deepest message nesting offered as query parameters (`a.b.c.d`). */
const MAX_QUERY_DEPTH = 4;

/**
 * The OpenAPI 3.1 document of the REST edge, generated from the same
 * bindings the routes come from: one operation per binding (`Service_Method`),
 * path and query parameters with their types, the request body, the response
 * in the protobuf JSON mapping, problem+json error responses, the bearer
 * requirement on every operation that is not public, and the staff access
 * policy (`x-required-roles`, `x-recent-second-factor`, `x-approval`) of
 * every RPC declaring one.
 */
export function createOpenApiDocument(options: OpenApiOptions): Record<string, unknown> {
  const components = new SchemaComponents();
  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Map<string, string>();

  for (const binding of options.bindings) {
    tags.set(binding.service.name, binding.service.typeName);
    const access = operationAccessOf(binding.method);
    const calls = `Calls \`${binding.service.typeName}/${binding.method.name}\`.`;
    const operation: Record<string, unknown> = {
      operationId: binding.operationId,
      tags: [binding.service.name],
      summary: `${binding.service.name}.${binding.method.name}`,
      description: access ? `${calls} ${access.sentence}` : calls,
      parameters: parametersOf(binding, components),
      responses: responsesOf(binding, components),
      "x-rpc": `${binding.service.typeName}.${binding.method.name}`,
      ...access?.extensions,
    };
    const body = requestBodyOf(binding, components);
    if (body) operation.requestBody = body;
    if (options.isPublic(binding.method)) operation.security = [];
    const item = (paths[binding.openApiPath] ??= {});
    item[binding.httpMethod.toLowerCase()] = operation;
  }

  return {
    openapi: "3.1.0",
    info: {
      title: options.title ?? "Wallet mesh REST API",
      version: options.version ?? "v1",
      description: "Generated from the services' google.api.http annotations. JSON bodies follow the protobuf JSON mapping: lowerCamel field names (proto names are accepted too), 64-bit integers as strings, enums by name, timestamps as RFC 3339 strings. Unknown fields are refused.",
    },
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    tags: [...tags].map(([name, description]) => ({ name, description })),
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas: { ...components.schemas, Problem: problemSchema },
      responses: {
        Problem: {
          description: "An RFC 9457 problem.",
          headers: {
            "Retry-After": { description: "Seconds to wait before retrying (429, 503).", schema: { type: "integer" } },
          },
          content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: "#/components/schemas/Problem" } } },
        },
      },
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "An access token from identity (Login, RefreshTokens)." },
      },
    },
  };
}

const problemSchema: Schema = {
  type: "object",
  required: ["type", "title", "status"],
  properties: {
    type: { type: "string", format: "uri", description: "`urn:wallet:problem:<reason>` or `about:blank`." },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    reason: { type: "string", description: "The machine-readable reason (google.rpc.ErrorInfo reason), e.g. INSUFFICIENT_FUNDS." },
    metadata: { type: "object", additionalProperties: { type: "string" } },
    requestId: { type: "string" },
  },
};

function parametersOf(binding: HttpBinding, components: SchemaComponents): Schema[] {
  const parameters: Schema[] = binding.pathBindings.map((bound) => ({
    name: bound.name,
    in: "path",
    required: true,
    schema: components.field(bound.fields[bound.fields.length - 1]!),
  }));
  if (binding.body !== "*") {
    const pathBound = new Set(binding.pathBindings.map((b) => b.fields[b.fields.length - 1]!));
    const skip = new Set<DescField>([...pathBound, ...(binding.bodyField ? [binding.bodyField] : [])]);
    collectQueryParameters(binding.method.input, "", skip, new Set(), 0, components, parameters);
  }
  if (binding.idempotencyKeyField) {
    parameters.push({
      name: "Idempotency-Key",
      in: "header",
      required: isRequiredField(binding.idempotencyKeyField),
      description: "A client-chosen unique key (a UUID) making retries safe; copied into `idempotency_key`.",
      schema: { type: "string", minLength: 1, maxLength: 255 },
    });
  }
  return parameters;
}

/** Every field settable from the query string: leaves, and leaves of singular sub-messages as `a.b`. */
function collectQueryParameters(
  message: DescMessage,
  prefix: string,
  skip: ReadonlySet<DescField>,
  visiting: Set<DescMessage>,
  depth: number,
  components: SchemaComponents,
  out: Schema[],
): void {
  visiting.add(message);
  for (const field of message.fields) {
    if (skip.has(field)) continue;
    const name = `${prefix}${field.name}`;
    const leaf = leafInfo(field);
    if (leaf) {
      out.push({
        name,
        in: "query",
        ...(depth === 0 && isRequiredField(field) ? { required: true } : {}),
        schema: components.field(field),
        ...(leaf.repeated ? { style: "form", explode: true } : {}),
      });
    } else if (field.fieldKind === "message" && !isWellKnownMessage(field.message) && !visiting.has(field.message) && depth < MAX_QUERY_DEPTH) {
      collectQueryParameters(field.message, `${name}.`, skip, visiting, depth + 1, components, out);
    }
  }
  visiting.delete(message);
}

function requestBodyOf(binding: HttpBinding, components: SchemaComponents): Schema | undefined {
  if (binding.body === "") return undefined;
  let schema: Schema;
  let required: boolean;
  if (binding.bodyField) {
    schema = components.field(binding.bodyField);
    required = isRequiredField(binding.bodyField);
  } else {
    const topLevelPathFields = new Set(binding.pathBindings.filter((b) => b.fields.length === 1).map((b) => b.fields[0]!));
    schema = components.messageWithout(binding.method.input, topLevelPathFields);
    required = binding.method.input.fields.some((f) => !topLevelPathFields.has(f) && isRequiredField(f));
  }
  return { required, content: { "application/json": { schema } } };
}

function responsesOf(binding: HttpBinding, components: SchemaComponents): Record<string, unknown> {
  const schema = binding.responseField ? components.field(binding.responseField) : components.message(binding.method.output);
  const ok: Record<string, unknown> = { description: "OK", content: { "application/json": { schema } } };
  if (binding.idempotencyKeyField) ok.headers = { "Idempotent-Replayed": idempotentReplayedHeader };
  const responses: Record<string, unknown> = { "200": ok };
  for (const [status, description] of Object.entries(errorStatuses)) {
    responses[status] = { description, $ref: "#/components/responses/Problem" };
  }
  return responses;
}
