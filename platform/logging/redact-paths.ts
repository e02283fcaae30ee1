/**
 * What the logger never prints. Keys are matched at the top level and up to
 * three objects deep (pino's wildcards match exactly one level each), in both
 * snake_case and camelCase spellings. Idempotency keys are deliberately not
 * here: they are identifiers that operators need when tracing retries.
 */

/** Field names whose values are credentials wherever they appear. */
export const secretKeys: readonly string[] = [
  "authorization",
  "cookie",
  "password",
  "new_password",
  "newPassword",
  "current_password",
  "currentPassword",
  "token",
  "access_token",
  "accessToken",
  "refresh_token",
  "refreshToken",
  "id_token",
  "idToken",
  "otp",
  "totp_code",
  "totpCode",
  "recovery_code",
  "recoveryCode",
  "secret",
  "client_secret",
  "clientSecret",
  "api_key",
  "apiKey",
  "private_key",
  "privateKey",
];

/** HTTP header names (lower-case, as Node delivers them) that carry credentials. */
export const secretHeaders: readonly string[] = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "x-internal-signature",
];

/** Wildcard prefixes covering the top level and three levels of nesting. */
const depthPrefixes: readonly string[] = ["", "*.", "*.*.", "*.*.*."];

/** Builds the full list of redaction paths handed to pino. */
export function redactPaths(): string[] {
  const paths = new Set<string>();
  for (const prefix of depthPrefixes) {
    for (const key of secretKeys) paths.add(`${prefix}${key}`);
  }
  for (const container of ["headers", "req.headers", "request.headers", "res.headers", "*.headers"]) {
    for (const header of secretHeaders) paths.add(`${container}["${header}"]`);
  }
  return [...paths];
}

/** The value written in place of a redacted field. */
export const redactionCensor = "[redacted]";
