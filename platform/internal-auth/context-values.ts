import { createContextKey } from "@connectrpc/connect";

/** The authenticated service calling this server, as seen by handlers. */
export interface InternalCaller {
  /** The calling service, e.g. `gateway` (HMAC caller id or SPIFFE service account). */
  readonly callerId: string;
  /** End-user subject forwarded by the edge in `x-internal-subject`, if any. */
  readonly subject?: string;
  /**
   * How the caller was established; `api-key` means by a per-service key in
   * `x-api-key` (no replay or body protection); `off` means taken from
   * headers unverified.
   */
  readonly mode: "hmac" | "mesh" | "api-key" | "off";
  /** HMAC key id the request was signed with; for `api-key`, the key's fingerprint (`sha256:<12 hex>`). */
  readonly keyId?: string;
  /** Mesh mode: the full SPIFFE id of the peer. */
  readonly principal?: string;
}

/**
 * Context key holding the verified caller; `undefined` for exempt procedures
 * (health, reflection) and for servers without internal auth.
 * Read it in a handler with `ctx.values.get(internalCallerKey)`.
 */
export const internalCallerKey = createContextKey<InternalCaller | undefined>(undefined, {
  description: "verified internal caller",
});
