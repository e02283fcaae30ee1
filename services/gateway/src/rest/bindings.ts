import { getOption, hasOption, type DescField, type DescMethod, type DescMethodUnary, type DescService } from "@bufbuild/protobuf";
import { http } from "#gen/google/api/annotations_pb.js";
import type { HttpRule } from "#gen/google/api/http_pb.js";
import { findField, leafInfo, resolveFieldPath } from "./field-paths.js";
import { compilePathMatcher, parsePathTemplate, toFastifyPath, toOpenApiPath, type PathMatcher, type PathTemplate } from "./path-template.js";

/** HTTP methods a `custom` rule may name (what fastify routes). */
const customMethods = new Set(["HEAD", "OPTIONS", "SEARCH", "PROPFIND", "REPORT"]);

/** A path variable resolved against the request message. */
export interface PathBinding {
  /** The variable as written in the template (`account_id`, `page.page_token`). */
  readonly name: string;
  /** The fields from the request message down to the bound one. */
  readonly fields: readonly DescField[];
}

/** One REST binding of an RPC: the rule itself or one of its `additional_bindings`. */
export interface HttpBinding {
  readonly service: DescService;
  readonly method: DescMethodUnary;
  /** Upper-case HTTP method. */
  readonly httpMethod: string;
  readonly template: PathTemplate;
  /** `{param}` form of the template, for OpenAPI and logs (`/v1/accounts/{account_id}/balance`). */
  readonly openApiPath: string;
  /** The fastify path dispatching to it; several bindings may share one. */
  readonly fastifyPath: string;
  readonly match: PathMatcher;
  readonly pathBindings: readonly PathBinding[];
  /** "" (no body: every other field comes from the query string), "*" (the whole message) or a top-level field name. */
  readonly body: string;
  readonly bodyField: DescField | undefined;
  /** The response field sent as the body instead of the whole response, if the rule names one. */
  readonly responseField: DescField | undefined;
  /** `Service_Method`, with `_1`, `_2`... for additional bindings; unique. */
  readonly operationId: string;
  /** The request field `idempotency_key` filled from the `Idempotency-Key` header, when the input has one. */
  readonly idempotencyKeyField: DescField | undefined;
}

/** An annotation the edge cannot serve; names the RPC. Thrown at start-up, never per request. */
export class HttpBindingError extends Error {
  constructor(method: DescMethod, problem: string) {
    super(`${method.parent.typeName}.${method.name}: ${problem}`);
    this.name = "HttpBindingError";
  }
}

/**
 * Every REST binding of the given services, read from their
 * `google.api.http` annotations (`additional_bindings` included). Methods
 * without an annotation are skipped; streaming methods too (REST is unary).
 * @throws HttpBindingError on an annotation that names unknown fields or a malformed template.
 */
export function collectBindings(services: readonly DescService[]): HttpBinding[] {
  const bindings: HttpBinding[] = [];
  for (const service of services) {
    for (const candidate of service.methods) {
      if (candidate.methodKind !== "unary" || !hasOption(candidate, http)) continue;
      const method = candidate as DescMethodUnary;
      const rule = getOption(method, http);
      const baseId = `${service.name}_${method.name}`;
      bindings.push(toBinding(service, method, rule, baseId));
      rule.additionalBindings.forEach((extra, i) => bindings.push(toBinding(service, method, extra, `${baseId}_${i + 1}`)));
    }
  }
  const seen = new Map<string, string>();
  for (const b of bindings) {
    const key = `${b.httpMethod} ${b.openApiPath}`;
    const other = seen.get(key);
    if (other !== undefined) throw new HttpBindingError(b.method, `${key} is already bound by ${other}`);
    seen.set(key, b.operationId);
  }
  return bindings;
}

function toBinding(service: DescService, method: DescMethodUnary, rule: HttpRule, operationId: string): HttpBinding {
  const fail = (problem: string): never => {
    throw new HttpBindingError(method, problem);
  };
  let httpMethod: string;
  let path: string;
  switch (rule.pattern.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      httpMethod = rule.pattern.case.toUpperCase();
      path = rule.pattern.value;
      break;
    case "custom":
      httpMethod = rule.pattern.value.kind.toUpperCase();
      path = rule.pattern.value.path;
      if (!customMethods.has(httpMethod)) fail(`custom method ${httpMethod} is not supported`);
      break;
    default:
      return fail("the http rule has no pattern");
  }
  let template: PathTemplate;
  try {
    template = parsePathTemplate(path);
  } catch (err) {
    return fail((err as Error).message);
  }
  const pathBindings = template.variables.map((variable): PathBinding => {
    const name = variable.fieldPath.join(".");
    const fields = resolveFieldPath(method.input, variable.fieldPath);
    if (typeof fields === "string") return fail(`path variable {${name}}: ${fields}`);
    const leaf = leafInfo(fields[fields.length - 1]!);
    if (!leaf || leaf.repeated) return fail(`path variable {${name}} must bind a singular scalar, enum or scalar-like field`);
    return { name, fields };
  });
  let bodyField: DescField | undefined;
  if (rule.body !== "" && rule.body !== "*") {
    bodyField = findField(method.input, rule.body);
    if (!bodyField) fail(`body "${rule.body}" is not a field of ${method.input.typeName}`);
  }
  let responseField: DescField | undefined;
  if (rule.responseBody !== "") {
    responseField = findField(method.output, rule.responseBody);
    if (!responseField) fail(`response_body "${rule.responseBody}" is not a field of ${method.output.typeName}`);
  }
  const idempotency = method.input.fields.find((f) => f.name === "idempotency_key" && f.fieldKind === "scalar");
  return {
    service,
    method,
    httpMethod,
    template,
    openApiPath: toOpenApiPath(template),
    fastifyPath: toFastifyPath(template),
    match: compilePathMatcher(template),
    pathBindings,
    body: rule.body,
    bodyField,
    responseField,
    operationId,
    idempotencyKeyField: idempotency,
  };
}
