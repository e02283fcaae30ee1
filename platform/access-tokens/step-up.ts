import type { AccessTokenClaims } from "./claims.js";

/**
 * Whether the token proves a recent second factor, for step-up decisions
 * (RFC 9470): `amr` includes "otp" and the user authenticated (`auth_time`)
 * at most `maxAgeSec` seconds before `now`. A token whose `auth_time` is
 * older, or that carries only "pwd", calls for a step-up.
 */
export function hasRecentSecondFactor(
  claims: Pick<AccessTokenClaims, "amr" | "auth_time">,
  maxAgeSec: number,
  now: Date = new Date(),
): boolean {
  if (!claims.amr.includes("otp")) return false;
  const ageSec = Math.floor(now.getTime() / 1000) - claims.auth_time;
  return ageSec <= maxAgeSec;
}
