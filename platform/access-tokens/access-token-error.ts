/**
 * Why an access token was refused. Every reason but `keys_unavailable` is
 * the token's fault and maps to 401 at the edge (`Unauthenticated` over
 * gRPC); `keys_unavailable` means the verifier could not fetch the issuer's
 * key set and maps to 503 (`Unavailable`): the caller should retry, not log in
 * again.
 */
export type AccessTokenErrorReason =
  /** Not a JWS compact serialisation, or its header or payload is not JSON. */
  | "malformed"
  /** Header `alg` is not ES256 (`none`, HS256 key confusion...). */
  | "algorithm"
  /** The signature does not verify with the key its `kid` names. */
  | "signature"
  /** `exp` is past (beyond the clock tolerance). */
  | "expired"
  /** `nbf` (or `iat`) is in the future (beyond the clock tolerance). */
  | "not_yet_valid"
  /** `aud` does not name this verifier's audience. */
  | "audience"
  /** `iss` is not the configured issuer. */
  | "issuer"
  /** Header `typ` is not "at+jwt": an MFA-challenge or another token kind. */
  | "token_type"
  /** No key of the issuer's key set has the token's `kid` (a retired key, or no `kid`). */
  | "unknown_key"
  /** A required claim is missing or has the wrong type. */
  | "claims"
  /** The issuer's key set could not be fetched or parsed. */
  | "keys_unavailable";

/** Every reason, for exhaustive mappings and tests. */
export const ACCESS_TOKEN_ERROR_REASONS: readonly AccessTokenErrorReason[] = [
  "malformed",
  "algorithm",
  "signature",
  "expired",
  "not_yet_valid",
  "audience",
  "issuer",
  "token_type",
  "unknown_key",
  "claims",
  "keys_unavailable",
];

/**
 * A refused access token. `reason` is machine-readable; `message` is for
 * logs and names no secret (never the token itself). The underlying jose
 * error, when there is one, is kept as `cause`.
 */
export class AccessTokenError extends Error {
  override readonly name = "AccessTokenError";

  constructor(
    readonly reason: AccessTokenErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
