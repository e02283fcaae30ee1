import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  type ProtectedHeaderParameters,
} from "jose";
import { AccessTokenError, type AccessTokenErrorReason } from "./access-token-error.js";
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_TYPE, type AccessTokenClaims } from "./claims.js";
import { parseAccessTokenClaims } from "./parse-access-token-claims.js";

/** Options for {@link createAccessTokenVerifier}: exactly one of `jwksUrl` and `jwks`. */
export interface AccessTokenVerifierOptions {
  /**
   * Identity's `/.well-known/jwks.json`. Fetched on first use and cached; a
   * token whose `kid` the cache lacks triggers one refetch, at most once per
   * `cooldownMs` (so a flood of forged `kid`s cannot hammer identity).
   */
  readonly jwksUrl?: string | URL;
  /**
   * A local key set instead, read on every verification (identity verifying
   * its own tokens from its key table). Return the same object while the set
   * is unchanged: the parsed keys are cached per object.
   */
  readonly jwks?: () => JSONWebKeySet | Promise<JSONWebKeySet>;
  /** Expected `iss`, identity's issuer URL. */
  readonly issuer: string;
  /** This verifier's audience; a token must name one of them in `aud`. */
  readonly audience: string | readonly string[];
  /** Accepted clock difference for `exp`, `nbf`, `iat` and `auth_time`; default 30 s. */
  readonly clockToleranceSec?: number;
  /** Least time between two fetches caused by unknown `kid`s; default 30 s. */
  readonly cooldownMs?: number;
  /** Age after which the cached key set is fetched again on the next verification; default 10 min. */
  readonly cacheMaxAgeMs?: number;
  /** Bound on one key-set fetch; default 5 s. */
  readonly fetchTimeoutMs?: number;
  /** The clock; default the system clock. */
  readonly now?: () => Date;
}

/** Verifies access tokens; one per process, shared by every request. */
export interface AccessTokenVerifier {
  /**
   * The verified claims of `token`.
   *
   * @throws AccessTokenError, with `reason`:
   *  - "malformed": not a compact JWS with JSON header and claims (a refresh token, garbage);
   *  - "algorithm": `alg` is not ES256 (`none`, HS256 signed with the public key...);
   *  - "token_type": header `typ` is not "at+jwt" (an MFA-challenge token);
   *  - "unknown_key": no `kid`, or no key of the issuer's set has it (a key retired after its overlap);
   *  - "signature": the signature does not verify;
   *  - "expired", "not_yet_valid", "audience", "issuer": the claim check failed;
   *  - "claims": a required claim is missing or ill-typed;
   *  - "keys_unavailable": the key set could not be fetched (retry; not the caller's fault).
   */
  verify(token: string): Promise<AccessTokenClaims>;
}

/** Accepted clock difference when the options name none (also how long past `exp` a revocation must be remembered). */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 30;

/** Longest token considered; anything longer is refused before parsing. */
const MAX_TOKEN_LENGTH = 8_192;

/** Claims jose must find present (its own checks cover `iss`, `aud`; ours the types). */
const REQUIRED_CLAIMS = ["sub", "sid", "amr", "auth_time", "jti", "iat", "exp"];

/** A compact JWS: three base64url segments (the signature may be empty, which the `alg` check refuses). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** `typ` compared as RFC 7515 says: case-insensitive, "application/" prefix optional. */
const normaliseTyp = (typ: string) => typ.toLowerCase().replace(/^application\//, "");

/** A jose failure of the claim checks, by the claim it names. */
function claimReason(claim: string, reason: string): AccessTokenErrorReason {
  switch (claim) {
    case "nbf":
      return "not_yet_valid";
    case "aud":
      return "audience";
    case "iss":
      return "issuer";
    case "typ":
      return "token_type";
    case "exp":
      return reason === "check_failed" ? "expired" : "claims";
    default:
      return "claims";
  }
}

/** Translates whatever jwtVerify threw into an {@link AccessTokenError}. */
function toAccessTokenError(err: unknown): AccessTokenError {
  if (err instanceof AccessTokenError) return err;
  const refuse = (reason: AccessTokenErrorReason, message: string) => new AccessTokenError(reason, message, { cause: err });
  if (err instanceof errors.JWTExpired) return refuse("expired", "the token has expired");
  if (err instanceof errors.JWTClaimValidationFailed) return refuse(claimReason(err.claim, err.reason), err.message);
  if (err instanceof errors.JWSSignatureVerificationFailed) return refuse("signature", "the signature does not verify");
  if (err instanceof errors.JWKSNoMatchingKey) return refuse("unknown_key", "no key of the issuer's key set has the token's kid");
  if (err instanceof errors.JWKSMultipleMatchingKeys) return refuse("unknown_key", "several keys of the issuer's key set match the token's kid");
  if (err instanceof errors.JOSEAlgNotAllowed) return refuse("algorithm", `only ${ACCESS_TOKEN_ALGORITHM} is accepted`);
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported) {
    return refuse("malformed", err.message);
  }
  // JWKSTimeout, JWKSInvalid, JWKInvalid, a non-200 answer, a network error, a throwing key getter.
  return refuse("keys_unavailable", `the issuer's key set is unavailable: ${(err as Error)?.message ?? String(err)}`);
}

/** The key resolver for a local key set, re-parsed only when the getter returns a new object. */
function localKeyResolver(getJwks: () => JSONWebKeySet | Promise<JSONWebKeySet>): JWTVerifyGetKey {
  let cachedSet: JSONWebKeySet | undefined;
  let cachedResolver: ReturnType<typeof createLocalJWKSet> | undefined;
  return async (header, token) => {
    const set = await getJwks();
    if (set !== cachedSet || !cachedResolver) {
      cachedResolver = createLocalJWKSet(set);
      cachedSet = set;
    }
    return cachedResolver(header, token);
  };
}

/** Refuses on the header alone, before any key is looked up. */
function checkHeader(token: string): ProtectedHeaderParameters {
  if (typeof token !== "string" || token.length === 0) throw new AccessTokenError("malformed", "no token");
  if (token.length > MAX_TOKEN_LENGTH) throw new AccessTokenError("malformed", `the token is longer than ${MAX_TOKEN_LENGTH} characters`);
  if (!COMPACT_JWS.test(token)) throw new AccessTokenError("malformed", "not a compact JWS (three base64url segments)");
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch (err) {
    throw new AccessTokenError("malformed", "the JOSE header is not a base64url JSON object", { cause: err });
  }
  if (header.alg !== ACCESS_TOKEN_ALGORITHM) {
    throw new AccessTokenError("algorithm", `alg ${JSON.stringify(header.alg ?? null)} refused: only ${ACCESS_TOKEN_ALGORITHM} is accepted`);
  }
  if (typeof header.typ !== "string" || normaliseTyp(header.typ) !== ACCESS_TOKEN_TYPE) {
    throw new AccessTokenError("token_type", `typ ${JSON.stringify(header.typ ?? null)} is not an access token (${ACCESS_TOKEN_TYPE})`);
  }
  if (typeof header.kid !== "string" || header.kid.length === 0) throw new AccessTokenError("unknown_key", "the token names no kid");
  return header;
}

/**
 * The access-token verifier every process but identity's signer uses: ES256
 * only (the header is checked before any key is touched, so `alg: none` and
 * HS256-with-the-public-key never reach a key), header `typ` "at+jwt", the
 * configured issuer and audience, `exp`/`nbf`/`iat` within the clock
 * tolerance, and every claim of {@link AccessTokenClaims} present and typed.
 * Keys come from identity's JWKS URL (cached, refetched on an unknown `kid`
 * after the cooldown) or a local key-set getter.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  if ((options.jwksUrl === undefined) === (options.jwks === undefined)) {
    throw new Error("createAccessTokenVerifier needs exactly one of jwksUrl and jwks");
  }
  const clockToleranceSec = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  const now = options.now ?? (() => new Date());
  const audience = typeof options.audience === "string" ? options.audience : [...options.audience];
  const keys: JWTVerifyGetKey =
    options.jwksUrl !== undefined
      ? createRemoteJWKSet(new URL(options.jwksUrl), {
          cooldownDuration: options.cooldownMs ?? 30_000,
          cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
          timeoutDuration: options.fetchTimeoutMs ?? 5_000,
        })
      : localKeyResolver(options.jwks!);

  return {
    async verify(token) {
      checkHeader(token);
      const currentDate = now();
      let payload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          algorithms: [ACCESS_TOKEN_ALGORITHM],
          typ: ACCESS_TOKEN_TYPE,
          issuer: options.issuer,
          audience,
          clockTolerance: clockToleranceSec,
          requiredClaims: REQUIRED_CLAIMS,
          currentDate,
        }));
      } catch (err) {
        throw toAccessTokenError(err);
      }
      const nowSec = Math.floor(currentDate.getTime() / 1000);
      if (typeof payload.iat === "number" && payload.iat > nowSec + clockToleranceSec) {
        throw new AccessTokenError("not_yet_valid", "the token was issued in the future");
      }
      return parseAccessTokenClaims(payload, nowSec, clockToleranceSec);
    },
  };
}
