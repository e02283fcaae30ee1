import type { DescMethod } from "@bufbuild/protobuf";
import type { FastifyRequest } from "fastify";
import type { AccessTokenClaims } from "#platform/access-tokens/index.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * The RPC a REST route calls. The REST core sets it on every route it
     * derives from a `google.api.http` annotation
     * (`app.route({ ..., config: { rpcMethod: method } })`); the protections
     * read it to decide authentication, limits, idempotency and step-up.
     */
    rpcMethod?: DescMethod;
  }
  interface FastifyRequest {
    /** The verified access-token claims; `undefined` on public routes and before authentication. */
    accessClaims: AccessTokenClaims | undefined;
  }
}

/** The RPC of the route `request` matched, if it is an RPC route. */
export function rpcMethodOf(request: FastifyRequest): DescMethod | undefined {
  return request.routeOptions.config?.rpcMethod;
}

/** The route template (e.g. "/v1/accounts/:account_id/balance"), or "unmatched" for a 404. */
export function routeTemplateOf(request: FastifyRequest): string {
  return request.is404 ? "unmatched" : (request.routeOptions.url ?? "unmatched");
}
