import type { JWTPayload } from "jose";
import { AccessTokenError } from "./access-token-error.js";
import { STAFF_ROLES, type AccessTokenClaims, type AuthenticationMethod, type StaffRole } from "./claims.js";

/** The `amr` values identity issues (RFC 8176 names). */
const AUTHENTICATION_METHODS: ReadonlySet<string> = new Set<AuthenticationMethod>(["pwd", "otp", "mfa"]);

/** The staff roles a `roles` claim may carry. */
const ROLES: ReadonlySet<string> = new Set<StaffRole>(STAFF_ROLES);

const refuse = (claim: string, expected: string) => new AccessTokenError("claims", `claim "${claim}" must be ${expected}`);

const nonEmptyString = (value: unknown): value is string => typeof value === "string" && value.length > 0;

/** A NumericDate: whole seconds since the epoch, not negative. */
const numericDate = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** An array of strings, each one of `allowed`. */
const arrayOf = (value: unknown, allowed: ReadonlySet<string>): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string" && allowed.has(item));

/**
 * Checks the claims of a token whose signature, `iss`, `aud`, `exp` and
 * `nbf` jose has already verified: every claim {@link AccessTokenClaims}
 * requires is present with its type (`sub`, `sid`, `jti` non-empty strings;
 * `amr` an array of known methods; `auth_time`, `iat`, `exp` NumericDates),
 * the optional ones are well-typed when present (`device_id` a string,
 * `roles` known staff roles), and `auth_time` is not in the future beyond
 * `clockToleranceSec`. Unknown extra claims are kept.
 *
 * @throws AccessTokenError with reason "claims" naming the first bad claim.
 */
export function parseAccessTokenClaims(payload: JWTPayload, nowSec: number, clockToleranceSec: number): AccessTokenClaims {
  const claims = payload as Record<string, unknown>;
  if (!nonEmptyString(claims.iss)) throw refuse("iss", "a non-empty string");
  if (!nonEmptyString(claims.aud) && !(Array.isArray(claims.aud) && claims.aud.length > 0 && claims.aud.every(nonEmptyString))) {
    throw refuse("aud", "a string or an array of strings");
  }
  if (!nonEmptyString(claims.sub)) throw refuse("sub", "a non-empty string");
  if (!nonEmptyString(claims.sid)) throw refuse("sid", "a non-empty string");
  if (!nonEmptyString(claims.jti)) throw refuse("jti", "a non-empty string");
  if (claims.device_id !== undefined && typeof claims.device_id !== "string") throw refuse("device_id", "a string");
  if (!arrayOf(claims.amr, AUTHENTICATION_METHODS) || claims.amr.length === 0) {
    throw refuse("amr", `a non-empty array of ${[...AUTHENTICATION_METHODS].join(", ")}`);
  }
  if (claims.roles !== undefined && !arrayOf(claims.roles, ROLES)) {
    throw refuse("roles", `an array of ${STAFF_ROLES.join(", ")}`);
  }
  for (const name of ["auth_time", "iat", "exp"] as const) {
    if (!numericDate(claims[name])) throw refuse(name, "whole seconds since the epoch");
  }
  if (claims.nbf !== undefined && !numericDate(claims.nbf)) throw refuse("nbf", "whole seconds since the epoch");
  if ((claims.auth_time as number) > nowSec + clockToleranceSec) throw refuse("auth_time", "in the past");
  return claims as unknown as AccessTokenClaims;
}
