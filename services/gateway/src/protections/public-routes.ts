import type { DescMethod } from "@bufbuild/protobuf";

/** Full name of an RPC: `<package>.<Service>.<Method>`, e.g. "wallet.identity.v1.IdentityService.Login". */
export function rpcFullName(method: Pick<DescMethod, "name" | "parent">): string {
  return `${method.parent.typeName}.${method.name}`;
}

/**
 * The RPCs callable without an access token, the explicit list: everything
 * else exposed by the edge requires `Authorization: Bearer`.
 */
export const PUBLIC_RPCS: ReadonlySet<string> = new Set([
  "wallet.identity.v1.IdentityService.SignUp",
  "wallet.identity.v1.IdentityService.VerifyEmail",
  "wallet.identity.v1.IdentityService.ResendVerificationEmail",
  "wallet.identity.v1.IdentityService.Login",
  "wallet.identity.v1.IdentityService.CompleteMfaChallenge",
  "wallet.identity.v1.IdentityService.RefreshTokens",
  // Logout carries the refresh token it ends, not an access token (which may have expired).
  "wallet.identity.v1.IdentityService.Logout",
  "wallet.identity.v1.IdentityService.GetJwks",
  "wallet.identity.v1.IdentityService.RequestAccountRecovery",
  "wallet.identity.v1.IdentityService.CompleteAccountRecovery",
  "wallet.bff.v1.MobileBffService.Onboard",
]);

/** Non-RPC paths open to anyone: the OpenAPI document, liveness and readiness, the JWKS alias. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/openapi.json", "/healthz", "/readyz", "/.well-known/jwks.json"]);

/**
 * RPCs with a tighter rate limit (credential guessing, account enumeration,
 * e-mail flooding): sign-up, login, MFA challenge and changes, step-up,
 * recovery, password change.
 */
export const SENSITIVE_RPCS: ReadonlySet<string> = new Set([
  "wallet.identity.v1.IdentityService.SignUp",
  "wallet.identity.v1.IdentityService.ResendVerificationEmail",
  "wallet.identity.v1.IdentityService.Login",
  "wallet.identity.v1.IdentityService.CompleteMfaChallenge",
  "wallet.identity.v1.IdentityService.RequestAccountRecovery",
  "wallet.identity.v1.IdentityService.CompleteAccountRecovery",
  "wallet.identity.v1.IdentityService.ChangePassword",
  "wallet.identity.v1.IdentityService.BeginTotpEnrollment",
  "wallet.identity.v1.IdentityService.ConfirmTotpEnrollment",
  "wallet.identity.v1.IdentityService.DisableTotp",
  "wallet.identity.v1.IdentityService.RegenerateRecoveryCodes",
  "wallet.identity.v1.IdentityService.StepUp",
  "wallet.bff.v1.MobileBffService.Onboard",
]);

/** Whether the RPC named `fullName` is public. */
export function isPublicRpc(fullName: string): boolean {
  return PUBLIC_RPCS.has(fullName);
}

/** Whether `method` is public; the OpenAPI generator uses it to leave out the bearer requirement. */
export function isPublicMethod(method: Pick<DescMethod, "name" | "parent">): boolean {
  return PUBLIC_RPCS.has(rpcFullName(method));
}

/** Whether `method` has the tighter, sensitive rate limit. */
export function isSensitiveMethod(method: Pick<DescMethod, "name" | "parent">): boolean {
  return SENSITIVE_RPCS.has(rpcFullName(method));
}

/** Package prefix of the backoffice RPCs, which require a staff role. */
export const BACKOFFICE_PACKAGE_PREFIX = "wallet.backoffice.v1.";

/** Whether `method` is a backoffice RPC (staff only). */
export function isBackofficeMethod(method: Pick<DescMethod, "name" | "parent">): boolean {
  return rpcFullName(method).startsWith(BACKOFFICE_PACKAGE_PREFIX);
}
