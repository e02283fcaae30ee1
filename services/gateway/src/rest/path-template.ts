/**
 * The path templates of `google.api.http` rules (google/api/http.proto):
 *
 *     Template = "/" Segments [ Verb ] ;
 *     Segments = Segment { "/" Segment } ;
 *     Segment  = "*" | "**" | LITERAL | Variable ;
 *     Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *     Verb     = ":" LITERAL ;
 *
 * A template is parsed once into segments and variables, then turned into a
 * fastify route path (coarse: fastify only dispatches), a matcher that
 * extracts the variables from a request path, and an OpenAPI path.
 */

/** One path segment of a template. */
export type TemplateSegment =
  | { readonly kind: "literal"; readonly value: string }
  /** `*`: exactly one segment. */
  | { readonly kind: "single" }
  /** `**`: the rest of the path (one or more segments); only last. */
  | { readonly kind: "rest" };

/** A `{field.path=...}` variable covering segments [start, end). */
export interface TemplateVariable {
  /** The field path as written, split on dots (`page.page_token` → ["page", "page_token"]). */
  readonly fieldPath: readonly string[];
  readonly start: number;
  readonly end: number;
}

/** A parsed path template. */
export interface PathTemplate {
  readonly source: string;
  readonly segments: readonly TemplateSegment[];
  readonly variables: readonly TemplateVariable[];
  /** The custom verb after the last segment (`:cancel` → "cancel"), if any. */
  readonly verb: string | undefined;
}

/** A template the edge cannot serve; names the template. */
export class PathTemplateError extends Error {
  constructor(template: string, problem: string) {
    super(`path template "${template}": ${problem}`);
    this.name = "PathTemplateError";
  }
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const literalText = /^[A-Za-z0-9._~!$&'()+,;=@-]+$/;

/**
 * Parses a template such as `/v1/accounts/{account_id}/balance` or
 * `/v1/{name=shelves/*}/books/*:publish`.
 * @throws PathTemplateError on a malformed template.
 */
export function parsePathTemplate(source: string): PathTemplate {
  const fail = (problem: string): never => {
    throw new PathTemplateError(source, problem);
  };
  if (!source.startsWith("/")) fail("must start with /");
  const segments: TemplateSegment[] = [];
  const variables: TemplateVariable[] = [];
  let verb: string | undefined;
  let i = 1;

  const readSegment = (insideVariable: boolean): void => {
    if (source.startsWith("**", i)) {
      segments.push({ kind: "rest" });
      i += 2;
    } else if (source[i] === "*") {
      segments.push({ kind: "single" });
      i += 1;
    } else if (source[i] === "{") {
      if (insideVariable) fail("variables cannot nest");
      const close = source.indexOf("}", i);
      if (close < 0) fail("unclosed {");
      const inner = source.slice(i + 1, close);
      const eq = inner.indexOf("=");
      const path = eq < 0 ? inner : inner.slice(0, eq);
      const fieldPath = path.split(".");
      if (!fieldPath.every((part) => identifier.test(part))) fail(`"${path}" is not a field path`);
      const start = segments.length;
      if (eq < 0) segments.push({ kind: "single" });
      else {
        const sub = parsePathTemplate(`/${inner.slice(eq + 1)}`);
        if (sub.variables.length > 0 || sub.verb !== undefined) fail(`variable "${path}" has a malformed pattern`);
        segments.push(...sub.segments);
      }
      variables.push({ fieldPath, start, end: segments.length });
      i = close + 1;
    } else {
      let end = i;
      while (end < source.length && source[end] !== "/" && source[end] !== ":" && source[end] !== "{") end++;
      const value = source.slice(i, end);
      if (!literalText.test(value)) fail(`"${value}" is not a literal segment`);
      segments.push({ kind: "literal", value });
      i = end;
    }
  };

  for (;;) {
    readSegment(false);
    if (i >= source.length) break;
    if (source[i] === "/") {
      i++;
      continue;
    }
    if (source[i] === ":") {
      verb = source.slice(i + 1);
      if (!literalText.test(verb)) fail(`"${verb}" is not a verb`);
      break;
    }
    fail(`unexpected "${source[i]}" at ${i}`);
  }
  const restAt = segments.findIndex((s) => s.kind === "rest");
  if (restAt >= 0 && restAt !== segments.length - 1) fail("** must be the last segment");
  const seen = new Set<string>();
  for (const v of variables) {
    const key = v.fieldPath.join(".");
    if (seen.has(key)) fail(`variable "${key}" appears twice`);
    seen.add(key);
  }
  return { source, segments, variables, verb };
}

/**
 * The fastify path that dispatches requests to this template: literals stay,
 * a `{var}` segment becomes the parameter `:var` (dots as underscores, so
 * `{page.page_token}` is `:page_page_token`), other `*` segments a parameter
 * named after their position, `**` a wildcard. A verb after a parameter is
 * left to {@link compilePathMatcher}: fastify cannot split one segment, so
 * templates that differ only by that verb share one fastify route.
 */
export function toFastifyPath(template: PathTemplate): string {
  const parts = template.segments.map((segment, index) => {
    switch (segment.kind) {
      case "literal":
        return segment.value.replace(/:/g, "::");
      case "single": {
        const variable = template.variables.find((v) => v.start <= index && index < v.end);
        const name = variable?.fieldPath.join("_");
        if (variable && variable.end - variable.start === 1) return `:${name}`;
        return variable ? `:${name}_${index - variable.start}` : `:s${index}`;
      }
      case "rest":
        return "*";
    }
  });
  const last = template.segments[template.segments.length - 1];
  let path = `/${parts.join("/")}`;
  if (template.verb !== undefined && last?.kind === "literal") path += `::${template.verb}`;
  return path;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A compiled matcher: the template's variables from a raw (still percent-encoded) path, or undefined. */
export type PathMatcher = (rawPath: string) => Map<string, string> | undefined;

/**
 * Compiles the matcher of a template. Single-segment variables are fully
 * percent-decoded; multi-segment ones keep `%2F` encoded, as the transcoding
 * rules say.
 */
export function compilePathMatcher(template: PathTemplate): PathMatcher {
  const pieces = template.segments.map((segment) =>
    segment.kind === "literal" ? escapeRegExp(segment.value) : segment.kind === "single" ? "[^/]+" : ".+",
  );
  let pattern = "";
  for (let index = 0; index < pieces.length; index++) {
    const opens = template.variables.filter((v) => v.start === index).length;
    const closes = template.variables.filter((v) => v.end === index + 1).length;
    pattern += `/${"(".repeat(opens)}${pieces[index]}${")".repeat(closes)}`;
  }
  if (template.verb !== undefined) pattern += `:${escapeRegExp(template.verb)}`;
  const regex = new RegExp(`^${pattern}$`);
  const ordered = [...template.variables].sort((a, b) => a.start - b.start);
  return (rawPath) => {
    const match = regex.exec(rawPath);
    if (!match) return undefined;
    const values = new Map<string, string>();
    try {
      ordered.forEach((variable, n) => {
        const raw = match[n + 1]!;
        const multi = variable.end - variable.start > 1 || template.segments[variable.start]?.kind === "rest";
        values.set(variable.fieldPath.join("."), decodeURIComponent(multi ? raw.replace(/%2F/gi, "%252F") : raw));
      });
    } catch {
      return undefined; // malformed percent-encoding: no match, answered 404
    }
    return values;
  };
}

/** The OpenAPI path of a template: each variable as `{field.path}`, the verb kept. */
export function toOpenApiPath(template: PathTemplate): string {
  const parts: string[] = [];
  for (let index = 0; index < template.segments.length; index++) {
    const variable = template.variables.find((v) => v.start === index);
    if (variable) {
      parts.push(`{${variable.fieldPath.join(".")}}`);
      index = variable.end - 1;
      continue;
    }
    const segment = template.segments[index]!;
    parts.push(segment.kind === "literal" ? segment.value : segment.kind === "single" ? "*" : "**");
  }
  return `/${parts.join("/")}${template.verb !== undefined ? `:${template.verb}` : ""}`;
}
