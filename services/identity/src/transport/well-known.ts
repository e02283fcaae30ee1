/**
 * Plain HTTP/1.1 GET endpoints on identity's gRPC port (the server's fallback
 * for requests that match no RPC): the JWK Set at `/.well-known/jwks.json`
 * and OpenID Provider metadata at `/.well-known/openid-configuration`.
 */
import type { ServiceOptions } from "#platform/server/index.js";

type NodeHandlerFn = NonNullable<ServiceOptions["fallback"]>;
import { ACCESS_TOKEN_ALGORITHM } from "#platform/access-tokens/claims.js";
import type { KeyStore } from "../signing/key-store.js";

/** Paths served. */
export const JWKS_PATH = "/.well-known/jwks.json";
export const DISCOVERY_PATH = "/.well-known/openid-configuration";

/** The discovery document for an issuer. */
export function discoveryDocument(issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    token_endpoint: `${issuer}/v1/identity/tokens/refresh`,
    response_types_supported: ["token"],
    grant_types_supported: ["password", "refresh_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [ACCESS_TOKEN_ALGORITHM],
    token_endpoint_auth_methods_supported: ["none"],
    claims_supported: ["iss", "aud", "sub", "sid", "device_id", "amr", "auth_time", "roles", "jti", "iat", "nbf", "exp"],
    amr_values_supported: ["pwd", "otp", "mfa"],
  };
}

/** The fallback handler: the two documents on GET/HEAD, 405 for other methods on them, 404 elsewhere. */
export function createWellKnownHandler(options: { keys: KeyStore; issuer: string; onError?: (err: unknown) => void }): NodeHandlerFn {
  return (req, res): void => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      const out = res as import("node:http").ServerResponse;
      out.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
      out.end(req.method === "HEAD" ? undefined : text);
    };
    if (path !== JWKS_PATH && path !== DISCOVERY_PATH) return send(404, { error: "not_found" });
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, { error: "method_not_allowed" }, { allow: "GET, HEAD" });
    if (path === DISCOVERY_PATH) return send(200, discoveryDocument(options.issuer), { "cache-control": "public, max-age=300" });
    options.keys.jwks().then(
      (keys) => send(200, { keys }, { "cache-control": "public, max-age=60" }),
      (err: unknown) => {
        options.onError?.(err);
        send(503, { error: "temporarily_unavailable" });
      },
    );
  };
}
