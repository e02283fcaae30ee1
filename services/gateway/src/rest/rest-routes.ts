import { createRegistry, toJson, type DescFile, type DescMethod, type DescMethodUnary, type DescService, type Message, type Registry } from "@bufbuild/protobuf";
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from "fastify";
import { collectBindings, HttpBindingError, type HttpBinding } from "./bindings.js";
import { buildRequestMessage } from "./build-request.js";
import { PROBLEM_CONTENT_TYPE, problemHeaders, toProblem } from "./problem.js";
import { IDEMPOTENT_REPLAYED_HEADER, type UpstreamCaller } from "./upstream.js";

/** What every contract route carries in its fastify route config, for the edge protections' hooks. */
export interface RestRouteConfig {
  /** The bindings sharing this fastify route; {@link bindingOf} picks the one a request matches. */
  readonly bindings: readonly HttpBinding[];
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Set on every route derived from the contracts. */
    rest?: RestRouteConfig;
    /** The RPC the route calls (what the edge protections key on). */
    rpcMethod?: DescMethod;
  }
}

/** A refusal decided outside the REST core (an edge protection): sent as it is. */
export interface EdgeRefusal {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  body(): object;
}

/** Options of {@link registerRestRoutes}. */
export interface RestRoutesOptions {
  readonly services: readonly DescService[];
  readonly upstream: UpstreamCaller;
  /**
   * Called once the request message is built, before the upstream call (the
   * edge protections: step-up, the verified subject): may change the message,
   * returns headers to add to the upstream call, or throws a refusal.
   */
  readonly beforeUpstream?: (request: FastifyRequest, method: DescMethodUnary, message: Message) => Record<string, string> | undefined;
  /** The edge's own answer to an error, tried before {@link toProblem}; undefined to let the core map it. */
  readonly refusalOf?: (err: unknown) => EdgeRefusal | undefined;
  /** Sends a refusal from {@link refusalOf}; default: its status, headers and body as problem+json. */
  readonly sendRefusal?: (reply: FastifyReply, refusal: EdgeRefusal) => FastifyReply;
}

/** Request headers copied to the upstream as they are. */
const passThroughHeaders = ["authorization", "idempotency-key"] as const;

const matched = new WeakMap<FastifyRequest, HttpBinding | null>();

/**
 * The binding (service, method, template) a request to a contract route
 * matches, or undefined for other routes or a path no template matches.
 * Usable from any hook once routing is done.
 */
export function bindingOf(request: FastifyRequest): HttpBinding | undefined {
  const cached = matched.get(request);
  if (cached !== undefined) return cached ?? undefined;
  const rest = request.routeOptions.config.rest;
  const rawPath = request.url.split("?")[0]!;
  const binding = rest?.bindings.find((b) => b.match(rawPath) !== undefined);
  matched.set(request, binding ?? null);
  return binding;
}

/**
 * Registers a fastify route for every `google.api.http` binding of the given
 * services. Each request is turned into the RPC's request message (path,
 * query, body), sent through the upstream caller, and answered with the
 * response in the protobuf JSON mapping, or a problem+json error.
 * @returns the bindings, for the OpenAPI document.
 */
export function registerRestRoutes(app: FastifyInstance, options: RestRoutesOptions): HttpBinding[] {
  const bindings = collectBindings(options.services);
  const registry = registryOf(options.services);
  const groups = new Map<string, HttpBinding[]>();
  for (const binding of bindings) {
    // fastify tells routes apart by shape, not by parameter names.
    const key = `${binding.httpMethod} ${binding.fastifyPath.replace(/:[A-Za-z0-9_]+/g, ":")}`;
    const group = groups.get(key) ?? [];
    const other = group.find((b) => b.method !== binding.method);
    if (other) throw new HttpBindingError(binding.method, `${binding.httpMethod} ${binding.openApiPath} cannot share a route with ${other.operationId} (templates that differ only by a verb after a variable must bind one RPC)`);
    groups.set(key, [...group, binding]);
  }
  for (const group of groups.values()) {
    // A template with a verb is more specific than the same template without one.
    group.sort((a, b) => Number(b.template.verb !== undefined) - Number(a.template.verb !== undefined));
    const first = group[0]!;
    app.route({
      method: first.httpMethod as HTTPMethods,
      url: first.fastifyPath,
      config: { rest: { bindings: group }, rpcMethod: first.method },
      handler: (request, reply) => handle(request, reply, options, registry),
    });
  }
  return bindings;
}

async function handle(request: FastifyRequest, reply: FastifyReply, options: RestRoutesOptions, registry: Registry): Promise<unknown> {
  const [rawPath, rawQuery = ""] = splitUrl(request.url);
  const binding = bindingOf(request);
  const pathValues = binding?.match(rawPath);
  if (!binding || !pathValues) return reply.callNotFound();
  try {
    const idempotencyKey = headerValue(request, "idempotency-key");
    const message = buildRequestMessage(binding, { pathValues, query: new URLSearchParams(rawQuery), body: request.body, idempotencyKey }, registry);
    const headers = new Headers();
    for (const name of passThroughHeaders) {
      const value = headerValue(request, name);
      if (value !== undefined) headers.set(name, value);
    }
    headers.set("x-request-id", request.id);
    headers.set("x-client-ip", request.ip);
    const userAgent = headerValue(request, "user-agent");
    if (userAgent !== undefined) headers.set("x-client-user-agent", userAgent);
    for (const [name, value] of Object.entries(options.beforeUpstream?.(request, binding.method, message) ?? {})) headers.set(name, value);

    const abort = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableEnded) abort.abort();
    };
    reply.raw.once("close", onClose);
    let replayed = false;
    const onResponseMetadata = (metadata: Headers) => {
      if (metadata.get(IDEMPOTENT_REPLAYED_HEADER) === "true") replayed = true;
    };
    let response: Message;
    try {
      response = await options.upstream.call(binding.service, binding.method, message, { headers, signal: abort.signal, requestId: request.id, onResponseMetadata });
    } finally {
      reply.raw.off("close", onClose);
    }
    const json = toJson(binding.method.output, response, { alwaysEmitImplicit: true, registry });
    const body = binding.responseField ? ((json as Record<string, unknown>)[binding.responseField.jsonName] ?? null) : json;
    // A replayed idempotent write says so, as it does to a direct caller of the upstream.
    if (replayed) void reply.header(IDEMPOTENT_REPLAYED_HEADER, "true");
    return reply.code(200).type("application/json").send(JSON.stringify(body));
  } catch (err) {
    const refusal = options.refusalOf?.(err);
    if (refusal) return (options.sendRefusal ?? sendRefusal)(reply, refusal);
    const problem = toProblem(err, request.id);
    if (problem.status >= 500) request.log.warn({ err, operation: binding.operationId }, "upstream call failed");
    return reply.code(problem.status).headers(problemHeaders(err)).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }
}

/** Sends a refusal as problem+json with its headers. */
function sendRefusal(reply: FastifyReply, refusal: EdgeRefusal): FastifyReply {
  return reply.code(refusal.status).headers({ ...refusal.headers }).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(refusal.body()));
}

/** Splits a request URL into its raw path and raw query string. */
function splitUrl(url: string): [string, string | undefined] {
  const at = url.indexOf("?");
  return at < 0 ? [url, undefined] : [url.slice(0, at), url.slice(at + 1)];
}

/** One header's value (the first, when sent several times). */
function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A registry of every file the services use (for `google.protobuf.Any` in the JSON mapping). */
export function registryOf(services: readonly DescService[]): Registry {
  const files = new Set<DescFile>();
  const add = (file: DescFile): void => {
    if (files.has(file)) return;
    files.add(file);
    file.dependencies.forEach(add);
  };
  services.forEach((s) => add(s.file));
  return createRegistry(...files);
}
